import Distributed
import FabricCore

/// IDs and lookups: assign, ready, resign, resolve, and `make(name:)` for well-known actors.
extension FabricActorSystem {
    /// Makes a distributed actor reachable under the well-known path `/user/<name>`, so other
    /// nodes can address it with `ActorID.wellKnown(name, on: node)` — by node name alone.
    ///
    /// The name is reserved before `factory` runs; it throws `rejected` if the name is taken
    /// and `invalidArgument` if it is not one path segment (the rule of `ActorID.wellKnown`). `factory` must create exactly one actor of this system (its initializer is
    /// where the ID is assigned).
    ///
    /// The system keeps a well-known actor alive until `release(name:)`: it is addressed by
    /// name alone, so often nothing else holds it, and letting it go would turn every call to
    /// it into `actorNotFound`. Actors made without a name are held weakly, like any object.
    @discardableResult
    public func make<Act: DistributedActor>(
        name: String, _ factory: () throws -> Act
    ) throws -> Act where Act.ActorSystem == FabricActorSystem {
        if let reason = ActorID.wellKnownNameInvalidity(name) {
            throw FabricError.invalidArgument("invalid actor name \(name.debugDescription): \(reason)")
        }
        let path = ActorID.wellKnownPrefix + name
        guard registry.reserve(path) else {
            throw FabricError.rejected("an actor named \(name.debugDescription) already exists on \(node)")
        }
        do {
            let actor = try Self.$reservedPath.withValue(path) { try factory() }
            precondition(actor.id.path == path, "make(name: \(name)) built an actor with ID \(actor.id), not at \(path)")
            wellKnownActors.withLock { $0[path] = actor }
            return actor
        } catch {
            registry.cancelReservation(path)
            throw error
        }
    }

    /// Lets go of the well-known actor `name` made with `make(name:)`; it is deinitialised
    /// once nothing else holds it, and its name becomes free.
    public func release(name: String) {
        let released = wellKnownActors.withLock { $0.removeValue(forKey: ActorID.wellKnownPrefix + name) }
        _ = released  // released here, outside the lock
    }

    /// Lets go of every actor made with `make(name:)`: a node that stopped releases them (they
    /// hold the system, which holds them, so neither would go otherwise).
    package func releaseWellKnownActors() {
        let released = wellKnownActors.withLock { actors -> [String: any DistributedActor] in
            defer { actors = [:] }
            return actors
        }
        _ = released  // released here, outside the lock
    }

    /// Called by the runtime when an actor of this system is initialised: its well-known path when `make(name:)` reserved one, a fresh `/temp/N` path otherwise.
    public func assignID<Act>(_ actorType: Act.Type) -> ActorID
    where Act: DistributedActor, ActorID == Act.ID {
        let path: String
        if let reserved = Self.reservedPath {
            path = reserved
        } else {
            path = registry.temporaryPath()
        }
        return ActorID(node: node, generation: generation, uncheckedPath: path)
    }

    /// Called by the runtime once the actor is initialised: it becomes resolvable (held weakly).
    public func actorReady<Act>(_ actor: Act) where Act: DistributedActor, ActorID == Act.ID {
        registry.ready(actor, path: actor.id.path)
    }

    /// Called by the runtime when the actor is deinitialised: its path is free again.
    public func resignID(_ id: ActorID) {
        registry.resign(id.path)
    }

    /// The local actor for `id`, nil for a remote one (the runtime then makes a proxy).
    /// Throws for a local ID that is not here: returning nil would build a proxy to ourselves.
    public func resolve<Act>(id: ActorID, as actorType: Act.Type) throws -> Act?
    where Act: DistributedActor, ActorID == Act.ID {
        guard id.node == node else { return nil }
        let actor = try localActor(id)
        guard let typed = actor as? Act else {
            // A `@Resolvable` protocol's stub for a local actor: the runtime then makes a proxy,
            // whose calls run here without a connection (`callLocally`).
            if Act.self is any _DistributedActorStub.Type { return nil }
            throw FabricError(.serialization, "the actor at \(id.path) is a \(type(of: actor)), not a \(Act.self)")
        }
        return typed
    }

    /// The actor at `path` on this node, if it is alive.
    func localActor(at path: String) -> (any DistributedActor)? {
        registry.actor(at: path)
    }

    /// The live actor `id` names on this node (whose name the caller checked), or why there is
    /// none: `nodeDown` for an earlier process's generation, else `actorNotFound`.
    func localActor(_ id: ActorID) throws(FabricError) -> any DistributedActor {
        guard id.generation == ActorID.anyGeneration || id.generation == generation else {
            throw FabricError.nodeDown("\(id) belongs to an earlier process of \(node)")
        }
        guard let actor = localActor(at: id.path) else {
            throw FabricError(.actorNotFound, "no actor at \(id.path) on \(node)")
        }
        return actor
    }
}
