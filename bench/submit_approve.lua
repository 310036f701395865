-- wrk script for bench/marketplace.sh: the submit-then-approve loop. Each request is either a
-- worker's submission to a task or the buyer's approval of a submission created earlier in the
-- run, so every pair of requests moves one slot's escrow to a worker.
-- Its argument is a file: the buyer's token on the first line, then lines "task ID" and
-- "worker TOKEN". Every worker submits once to every task, tasks in turn.
local buyer
local tasks, workers = {}, {}
local to_approve = {}
local next_pair = 0

function init(args)
    local file = assert(io.open(args[1]))
    buyer = file:read("*l")
    for line in file:lines() do
        local kind, value = line:match("^(%a+) (.+)$")
        if kind == "task" then table.insert(tasks, value) end
        if kind == "worker" then table.insert(workers, value) end
    end
    file:close()
end

local function post(path, token, body)
    return wrk.format("POST", path, {["Authorization"] = "Bearer " .. token,
                                     ["Content-Type"] = "application/json"}, body)
end

function request()
    local submission = table.remove(to_approve)
    if submission then
        return post("/api/v1/submissions/" .. submission .. "/approve", buyer, "{}")
    end
    local task = tasks[math.floor(next_pair / #workers) % #tasks + 1]
    local worker = workers[next_pair % #workers + 1]
    next_pair = next_pair + 1
    return post("/api/v1/tasks/" .. task .. "/submissions", worker,
                '{"submission_details":"benchmark proof"}')
end

function response(status, headers, body)
    if status == 201 then
        -- A submission's own id is the first "id" of its JSON.
        table.insert(to_approve, body:match('"id":"([^"]+)"'))
    end
end
