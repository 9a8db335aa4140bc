"""The JSON bodies the routes answer with, one module per routes module: the HTTP
contract the dashboard, the web chat and other clients read, shown on /docs."""
