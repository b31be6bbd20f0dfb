import Distributed
import FabricCore
import FabricReactor
import FabricTransport
import FabricWire

/// A two-way call on its way to its task.
struct InboundCall: Sendable {
    let envelope: CallEnvelope
    let route: TargetRoute
    let handler: FabricResultHandler
    let deadline: Instant
}

/// The receiving side: envelope → recipient → target check → `executeDistributedTarget` →
/// result handler → reply. This is an attack surface: everything from the wire is checked
/// before it reaches the runtime (DESIGN.md §4, "Safety on the receive path").
extension FabricActorSystem: TransportDelegate {
    package func transport(_ connection: Connection, receivedCall frame: Frame) {
        let isOneWay = frame.kind == .oneway
        counters.add(isOneWay ? .oneWayReceived : .callsReceived)
        let state = inboundState(of: connection)
        let envelope: CallEnvelope
        do {
            envelope = try CallEnvelope.decode(frame.payload, memo: &state.memo)
        } catch {
            counters.add(.badEnvelopes)
            refuse(frame.messageID, on: connection, isOneWay: isOneWay, FabricError.serialization("malformed call: \(error)"))
            return
        }
        let recipient: InboundRecipient
        switch self.recipient(of: envelope, state: state, loop: connection.loop) {
        case .success(let found): recipient = found
        case .failure(let error):
            refuse(frame.messageID, on: connection, isOneWay: isOneWay, error)
            return
        }
        let actor = recipient.actor
        let actorType = type(of: actor)
        let route = state.route(target: envelope.target, actorType: actorType) {
            resolveRoute(target: envelope.target, actorType: actorType)
        }
        guard route.isValid else {
            counters.add(.rejectedTargets)
            refuse(
                frame.messageID, on: connection, isOneWay: isOneWay,
                FabricError.serialization("target is not a distributed method of \(actorType)"))
            return
        }
        if isOneWay {
            deliverOneWay(
                OneWayDelivery(envelope: envelope, route: route, callID: frame.messageID), to: actor,
                runsOnLoop: recipient.runsOnLoop, state: state, connection: connection)
            return
        }
        let running = connection.inboundCallsRunning.add(1, ordering: .relaxed).newValue
        guard running <= limits.inboundCallsPerConnectionMax else {
            connection.inboundCallsRunning.subtract(1, ordering: .relaxed)
            refuse(
                frame.messageID, on: connection, isOneWay: false,
                FabricError.rejected("\(node) is running \(running - 1) calls from this connection already"))
            return
        }
        let handler = FabricResultHandler(
            system: self, connection: connection, callID: frame.messageID, isOneWay: false)
        if recipient.runsOnLoop {
            let deadline = System.monotonicNow + .microseconds(Int64(clamping: envelope.deadlineBudgetMicroseconds))
            startOnLoopActor(actor, InboundCall(envelope: envelope, route: route, handler: handler, deadline: deadline), connection: connection)
        } else {
            runTwoWay(actor: actor, envelope: envelope, route: route, handler: handler, connection: connection)
        }
    }

    /// Starts the call's task isolated to the actor when the actor's executor is this loop.
    ///
    /// The loop runs every job as isolated to itself, so the task's closure, the distributed
    /// thunk's switch to the actor and the code around it all find themselves where they want
    /// to be. A task started nonisolated instead (`runTwoWay`) would switch to the generic
    /// executor in every nonisolated async function on the way (the closure, `whenLocal`, …),
    /// and the runtime makes each such switch a trip through the run queue: seven per call,
    /// counted with uprobes on `swift_task_switch`/`swift_task_enqueue`. We are on the loop's
    /// thread here, which `assumeIsolated` checks.
    private func startOnLoopActor<A: DistributedActor>(_ actor: A, _ call: InboundCall, connection: Connection) {
        actor.assumeIsolated { isolatedActor in
            self.startTask(isolatedTo: isolatedActor, call, connection: connection)
        }
    }

    private func startTask<A: DistributedActor>(isolatedTo actor: isolated A, _ call: InboundCall, connection: Connection) {
        // The closure is isolated to `actor` (it uses the isolated parameter) and we are on the
        // actor's executor (this loop's thread), so `Task.immediate` runs it right here up to
        // its first real suspension: a call that does not suspend is read, run and answered
        // without a trip through the run queue to start it. The preference keeps the generic
        // hops left (the runtime's distributed accessor is nonisolated) on this loop instead of
        // the global pool.
        Task.immediate(executorPreference: connection.loop) {
            _ = actor
            await CallContext.$current.withValue(CallScope(deadline: call.deadline)) {
                await self.execute(actor: actor, envelope: call.envelope, route: call.route, handler: call.handler)
            }
            connection.inboundCallsRunning.subtract(1, ordering: .relaxed)
        }
    }

    /// Starts the call on the loop that read it, with no hop until the actor's own executor.
    private func runTwoWay(
        actor: any DistributedActor, envelope: CallEnvelope, route: TargetRoute, handler: FabricResultHandler,
        connection: Connection
    ) {
        let deadline = System.monotonicNow + .microseconds(Int64(clamping: envelope.deadlineBudgetMicroseconds))
        Task(executorPreference: connection.loop) {
            await CallContext.$current.withValue(CallScope(deadline: deadline)) {
                await self.executeOnActor(actor, envelope: envelope, route: route, handler: handler)
            }
            connection.inboundCallsRunning.subtract(1, ordering: .relaxed)
        }
    }

    /// Runs one call on the recipient's own executor. Entering the actor's isolation first (one
    /// hop at most) means the runtime's switch to the actor inside the distributed thunk, and
    /// the switch back after it, cost nothing: the code around the call inherits the actor's
    /// isolation (`nonisolated(nonsending)`) instead of running on the generic executor.
    func executeOnActor(
        _ actor: some DistributedActor, envelope: CallEnvelope, route: TargetRoute, handler: FabricResultHandler
    ) async {
        let ran: Bool? = await actor.whenLocal { isolatedActor in
            await self.execute(actor: isolatedActor, envelope: envelope, route: route, handler: handler)
            return true
        }
        if ran == nil {
            // Not reachable: the recipient came from the local registry.
            await execute(actor: actor, envelope: envelope, route: route, handler: handler)
        }
    }

    /// Runs one call through the runtime, by `route`'s cached signature where there is one;
    /// any failure to dispatch becomes a failure reply.
    nonisolated(nonsending) func execute(
        actor: any DistributedActor, envelope: CallEnvelope, route: TargetRoute, handler: FabricResultHandler
    ) async {
        var decoder = FabricInvocationDecoder(system: self, envelope: envelope)
        do {
            if usesCachedTargets, let signature = route.signature {
                try await invoker.invoke(signature, on: actor, decoder: &decoder, handler: handler)
            } else {
                try await executeDistributedTarget(
                    on: actor, target: RemoteCallTarget(envelope.target), invocationDecoder: &decoder, handler: handler)
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

    /// The local actor a call is for, or why there is none.
    private func recipient(
        of envelope: CallEnvelope, state: InboundCallState, loop: EventLoop
    ) -> Result<InboundRecipient, FabricError> {
        let id = envelope.recipient
        let version = registry.version.load(ordering: .acquiring)
        if let known = state.recipient(id, registryVersion: version) { return .success(known) }
        guard id.node == node else {
            return .failure(FabricError(.actorNotFound, "this is \(node), not \(id.node)"))
        }
        guard id.generation == ActorID.anyGeneration || id.generation == generation else {
            return .failure(FabricError.nodeDown("\(id) belongs to an earlier process of \(node)"))
        }
        guard let actor = localActor(at: id.path) else {
            return .failure(FabricError(.actorNotFound, "no actor at \(id.path) on \(node)"))
        }
        let runsOnLoop = (actor.unownedExecutor.asSerialExecutor() as AnyObject?) === loop
        let recipient = InboundRecipient(actor: actor, runsOnLoop: runsOnLoop)
        state.remember(recipient, as: id, registryVersion: version)
        return .success(recipient)
    }

    private func refuse(_ callID: UInt64, on connection: Connection, isOneWay: Bool, _ error: FabricError) {
        log(.debug, "refused call \(callID) from \(connection.remoteNode?.name ?? "?"): \(error)")
        guard !isOneWay else {
            counters.add(.oneWayErrors)
            return
        }
        var payload: [UInt8] = []
        ReplyEnvelope.failure(replyFailure(for: error)).encode(into: &payload)
        try? connection.send(OutboundMessage(kind: .reply, messageID: callID, payload: payload))
    }

    // MARK: Peers

    package func transportPeerUp(_ peer: RemotePeer) {
        notify(.up(peer.node, address: peer.address))
    }

    package func transportPeerDown(_ node: NodeId, generation: UInt64, restarted: Bool) {
        notify(.down(node))
    }

    /// Calls `observer` with `.up` for every peer connected now, then for every peer that
    /// comes up or goes down from now on — so nothing is missed however early or late the
    /// observer is installed (a node dials its seeds as soon as it starts).
    ///
    /// Events are delivered one at a time, in order, while a lock is held: an observer must
    /// not install another observer.
    public func onPeerEvent(_ observer: @escaping @Sendable (PeerEvent) -> Void) {
        observers.withLock { observers in
            observers.append(observer)
            for peer in transport.connectedPeers {
                observer(.up(peer.node, address: peer.address))
            }
        }
    }

    private func notify(_ event: PeerEvent) {
        observers.withLock { observers in
            for observer in observers { observer(event) }
        }
    }
}
