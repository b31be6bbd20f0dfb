// The one module applications import: the actor system, IDs, errors, options and the node.
@_exported import Distributed
@_exported import FabricActorSystem
@_exported import FabricCore
@_exported import FabricMembership
