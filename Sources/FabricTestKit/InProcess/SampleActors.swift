import Fabric

/// The `echo` actor every `fabric node` hosts (at `/user/echo`): answers with what it is sent,
/// and can call the `echo` of another node from its own process. Tests and scripts call it
/// to check that nodes reach each other.
public distributed actor EchoActor {
    /// Fabric carries its calls.
    public typealias ActorSystem = FabricActorSystem

    /// An actor of `actorSystem` (host it with `make(name:)` to give it its well-known name).
    public init(actorSystem: FabricActorSystem) {
        self.actorSystem = actorSystem
    }

    /// `text`, unchanged.
    public distributed func echo(_ text: String) -> String { text }

    /// Calls `echo(text)` on the node named `node` from this node's process and returns the
    /// answer followed by `" via NODE"`.
    public distributed func relay(_ text: String, to node: String) async throws -> String {
        let other = try EchoActor.resolve(id: .wellKnown("echo", on: NodeId(node)), using: actorSystem)
        return try await other.echo(text) + " via " + node
    }
}

/// The `counter` actor every `fabric node` hosts (at `/user/counter`).
public distributed actor CounterActor {
    /// Fabric carries its calls.
    public typealias ActorSystem = FabricActorSystem
    private var value = 0

    /// An actor of `actorSystem` (host it with `make(name:)` to give it its well-known name).
    public init(actorSystem: FabricActorSystem) {
        self.actorSystem = actorSystem
    }

    /// Adds `amount` and returns the new value.
    public distributed func increment(by amount: Int) -> Int {
        value += amount
        return value
    }

    /// The current value.
    public distributed func current() -> Int { value }
}
