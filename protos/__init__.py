"""gRPC protocols (generated code committed; regenerate with `make protos`)."""
