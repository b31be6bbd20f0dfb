// FabricReactor: built in the following commits.
