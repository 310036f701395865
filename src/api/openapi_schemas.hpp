#pragma once

#include <boost/json/object.hpp>

namespace nanotasks::api {

// The components of the OpenAPI document that routes name (RouteSpec::request_schema,
// ::response_schema, ::parameters): the schemas of request bodies and of resources, and the
// query and header parameters. The limits are the ones the endpoints enforce, taken from the
// same constants.
boost::json::object OpenApiSchemas();
boost::json::object OpenApiParameters();

}  // namespace nanotasks::api
