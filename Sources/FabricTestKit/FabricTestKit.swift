// FabricTestKit: built in the following commits.
