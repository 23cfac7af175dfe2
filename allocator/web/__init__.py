"""The HTTP API, the server-rendered pages and their access control (`vicon serve`).

`allocator.web.app.create_app(store, settings)` builds the FastAPI application; see docs/web.md. Nothing here
imports FastAPI until the app is built, so the rest of the `vicon` command line works without the web extra.
"""
