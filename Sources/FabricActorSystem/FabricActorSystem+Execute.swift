import Distributed
import FabricCore
import FabricReactor
import FabricTransport
import FabricWire

/// What the runtime needs to run one checked call: its envelope, moved in whole (copying its
/// fields out was a retain each, and releasing the envelope a release each, per call), and
/// what the route decided about its target. Travels to the call's task by moves, not copies.
struct PreparedCall: Sendable {
    let envelope: CallEnvelope
    /// The frame's message id: what a reply answers (0 for a call that is not from the wire).
    let callID: UInt64
    /// Types resolved once (`TargetInvoker`); nil where the standard library's path runs it.
    let signature: TargetInvoker.Signature?
    /// The generic substitutions the call runs with, checked (`admittedSubstitutions`): nil
    /// for a non-generic target, the recipient's own type for a `@Resolvable` requirement.
    let substitutions: [any Any.Type]?

    init(
        _ envelope: consuming CallEnvelope, _ route: borrowing TargetRoute, substitutions: [any Any.Type]?,
        callID: UInt64
    ) {
        self.envelope = envelope
        self.callID = callID
        self.substitutions = substitutions
        signature = route.signature
    }

    var target: String { envelope.target }
}

/// A two-way call on its way to its task.
struct InboundCall: Sendable {
    let call: PreparedCall
    let handler: FabricResultHandler
    let deadline: Instant
    /// What its frame's payload holds, counted against the connection's running-calls bytes.
    let payloadBytes: Int
}

/// Where an incoming call runs: started on the loop that read it, isolated to its recipient
/// when the recipient runs on that loop, and dispatched through the runtime.
extension FabricActorSystem {
    /// Starts the call's task isolated to the actor, whose executor is this loop.
    ///
    /// The loop runs every job as isolated to itself, so the task's closure, the distributed
    /// thunk's switch to the actor and the code around it all find themselves where they want
    /// to be. A task started nonisolated instead (`runTwoWay`) would switch to the generic
    /// executor in every nonisolated async function on the way (the closure, `whenLocal`, …),
    /// and the runtime makes each such switch a trip through the run queue: seven per call,
    /// counted with uprobes on `swift_task_switch`/`swift_task_enqueue`.
    func startOnLoopActor(_ actor: any DistributedActor, _ call: consuming InboundCall, connection: Connection) {
        LoopIsolation.startCall(startCallTask, self, actor, consume call, connection)
    }

    /// Starts the call on the loop that read it, with no hop until the actor's own executor.
    func runTwoWay(actor: any DistributedActor, _ inbound: InboundCall, connection: Connection) {
        Task(executorPreference: connection.loop) {
            await CallContext.$current.withValue(CallScope(deadline: inbound.deadline, clock: self.clock)) {
                await self.executeOnActor(actor, inbound.call, handler: inbound.handler)
            }
            connection.inboundCallFinished(bytes: inbound.payloadBytes)
        }
    }

    /// Runs one call on the recipient's own executor. Entering the actor's isolation first (one
    /// hop at most) means the runtime's switch to the actor inside the distributed thunk, and
    /// the switch back after it, cost nothing: the code around the call inherits the actor's
    /// isolation (`nonisolated(nonsending)`) instead of running on the generic executor.
    func executeOnActor(_ actor: some DistributedActor, _ call: PreparedCall, handler: FabricResultHandler) async {
        let ran: Bool? = await actor.whenLocal { isolatedActor in
            await self.execute(actor: isolatedActor, call, handler: handler)
            return true
        }
        if ran == nil {
            // Not reachable: the recipient came from the local registry.
            await execute(actor: actor, call, handler: handler)
        }
    }

    /// Runs one call through the runtime, by its cached signature where there is one; any
    /// failure to dispatch becomes a failure reply.
    nonisolated(nonsending) func execute(
        actor: any DistributedActor, _ call: borrowing PreparedCall, handler: FabricResultHandler
    ) async {
        var decoder = FabricInvocationDecoder(system: self, envelope: call.envelope, substitutions: call.substitutions)
        do {
            if usesCachedTargets, let signature = call.signature {
                try await invoker.invoke(signature, on: actor, decoder: &decoder, handler: handler)
            } else {
                try await executeDistributedTarget(
                    on: actor, target: RemoteCallTarget(call.target), invocationDecoder: &decoder, handler: handler)
            }
        } catch {
            let failure: FabricError
            if let fabric = error as? FabricError {
                failure = fabric
            } else {
                failure = FabricError.serialization("cannot run the target: \(error)")
            }
            try? await handler.onThrow(error: failure)
        }
    }
}

/// The task of a call whose recipient runs on the connection's loop (see `startOnLoopActor`).
///
/// The closure is isolated to `actor` (it uses the isolated parameter) and we are on the actor's
/// executor (this loop's thread), so `Task.immediate` runs it right here up to its first real
/// suspension: a call that does not suspend is read, run and answered without a trip through
/// the run queue to start it. The preference keeps the generic hops left (the runtime's
/// distributed accessor is nonisolated) on this loop instead of the global pool. The body is
/// written out rather than shared with `runTwoWay` through a `nonisolated(nonsending)` helper:
/// that helper cost one more run-queue trip per call (3 instead of 2, counted with uprobes).
private func startCallTask(
    _ system: FabricActorSystem, isolatedTo actor: isolated any DistributedActor, _ call: consuming InboundCall,
    connection: Connection
) {
    startOpenedCallTask(system, isolatedTo: actor, consume call, connection: connection)
}

/// Generic over the actor's type so that the closure's isolation is a concrete actor's. The
/// call moves into the task's closure (a copy there was a retain per reference it holds).
private func startOpenedCallTask<A: DistributedActor>(
    _ system: FabricActorSystem, isolatedTo actor: isolated A, _ call: consuming InboundCall,
    connection: Connection
) {
    let call = consume call
    Task.immediate(executorPreference: connection.loop) {
        _ = actor
        await CallContext.$current.withValue(CallScope(deadline: call.deadline, clock: system.clock)) {
            await system.execute(actor: actor, call.call, handler: call.handler)
        }
        connection.inboundCallFinished(bytes: call.payloadBytes)
    }
}
