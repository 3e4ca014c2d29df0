"""The engine: values, declarations, validation, auth, retry, rate limit, transport, pagination.

Everything a Kit call goes through, whatever the endpoint. The resource
modules (`kit_async._resources`) declare Kit's operations with it; the client
(`kit_async._client`) wires it together.
"""
