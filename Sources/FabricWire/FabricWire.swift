// FabricWire: built in the following commits.
