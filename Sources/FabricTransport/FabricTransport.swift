// FabricTransport: built in the following commits.
