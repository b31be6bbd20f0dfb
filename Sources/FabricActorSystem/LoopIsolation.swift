import Distributed
import FabricReactor
import FabricTransport

/// Entering the isolation of an actor whose executor is a loop, from that loop's thread but
/// outside any of the actor's jobs (the transport's read path), without a run-queue trip.
///
/// What `DistributedActor.assumeIsolated` does, minus its cost on this path: the standard
/// library's version is generic, not specialized here, and its reabstraction allocated two
/// closure contexts per incoming call (counted with a uprobe on `malloc`); so did a closure
/// passed through `withoutActuallyEscaping` here. A free function converted to a function value
/// has no context, so these casts allocate nothing.
///
/// Sound for the reason `assumeIsolated` is: the caller is on the loop's thread (checked) and
/// has checked that the actor's executor is that loop (`InboundRecipient.runsOnLoop`); the two
/// function types differ only in the `isolated` annotation.
enum LoopIsolation {
    typealias CallStart = (FabricActorSystem, any DistributedActor, consuming InboundCall, Connection) -> Void
    typealias DrainStart = (FabricActorSystem, any DistributedActor, [MailboxEntry?], MailboxDrain) -> Void

    static func startCall(
        _ start: @escaping (FabricActorSystem, isolated any DistributedActor, consuming InboundCall, Connection) -> Void,
        _ system: FabricActorSystem, _ actor: any DistributedActor, _ call: consuming InboundCall, _ connection: Connection
    ) {
        connection.loop.assertInEventLoop()
        unsafeBitCast(start, to: CallStart.self)(system, actor, consume call, connection)
    }

    static func startDrain(
        _ start: @escaping (FabricActorSystem, isolated any DistributedActor, [MailboxEntry?], MailboxDrain) -> Void,
        _ system: FabricActorSystem, _ actor: any DistributedActor, _ first: [MailboxEntry?], _ drain: MailboxDrain
    ) {
        drain.connection.loop.assertInEventLoop()
        unsafeBitCast(start, to: DrainStart.self)(system, actor, first, drain)
    }
}
