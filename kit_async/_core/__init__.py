"""The engine: everything a call to Kit goes through, whatever the endpoint.

- `values`: the `Request` a resource builds and the `Reply` Kit gives;
- `declarations`: how a resource declares an operation (`ListEndpoint`,
  `Endpoint`, `NoContent`, `Bulk`) and the `Resource` base;
- `validation`: every argument check, made before a request is sent;
- `config`: a client's arguments and environment turned into its `Transport`;
- `auth`: the API key or the OAuth tokens (and their refresh);
- `retry`, `ratelimit`: when to try again, and how fast to send;
- `transport`: sends a `Request`, decodes the reply with the caller's
  function, and gives any error the request's context (once, there);
  `proxies` and `counting` serve it;
- `pagination`, `fanout`: one list's cursors, and many lists at once.

The resource modules (`kit_async._resources`) declare Kit's operations with
it; the client (`kit_async._client`) keeps the lifecycle and the namespaces.
"""
