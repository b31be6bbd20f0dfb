import Distributed
import FabricCore
import FabricReactor
import FabricTransport
import FabricWire

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
        do {
            recipient = try self.recipient(of: envelope, state: state, loop: connection.loop)
        } catch {
            refuse(frame.messageID, on: connection, isOneWay: isOneWay, error)
            return
        }
        let actor = recipient.actor
        let actorType = type(of: actor)
        let route = state.route(target: envelope.target, actorType: actorType) {
            resolveRoute(target: envelope.target, actorType: actorType)
        }
        let substitutions: [any Any.Type]?
        do {
            substitutions = try admittedSubstitutions(of: envelope, route: route, actorType: actorType)
        } catch {
            refuse(frame.messageID, on: connection, isOneWay: isOneWay, error)
            return
        }
        if isOneWay {
            deliverOneWay(
                PreparedCall(consume envelope, route, substitutions: substitutions, callID: frame.messageID), to: actor,
                runsOnLoop: recipient.runsOnLoop, state: state, connection: connection)
            return
        }
        let payloadBytes = frame.payload.count
        if let refusal = connection.admitInboundCall(bytes: payloadBytes) {
            refuse(frame.messageID, on: connection, isOneWay: false, refusal)
            return
        }
        let handler = FabricResultHandler(
            system: self, connection: connection, callID: frame.messageID, isOneWay: false)
        // The budget counts from when the frame was read (this turn), not from now.
        let deadline = connection.loop.turnStarted + .microseconds(Int64(clamping: envelope.deadlineBudgetMicroseconds))
        let inbound = InboundCall(
            call: PreparedCall(consume envelope, route, substitutions: substitutions, callID: frame.messageID),
            handler: handler, deadline: deadline, payloadBytes: payloadBytes)
        if let mailbox = activeMailbox(for: actor, state: state) {
            // One-way calls for this actor from this connection are ahead of it: it starts after them.
            guard mailbox.queue.count < Limits.oneWayMailboxDepthMax else {
                connection.inboundCallFinished(bytes: payloadBytes)
                refuse(
                    frame.messageID, on: connection, isOneWay: false,
                    FabricError.rejected("\(mailbox.queue.count) calls are waiting for this actor on this connection"))
                return
            }
            queueBehindOneWayCalls(inbound, in: mailbox)
        } else if recipient.runsOnLoop {
            startOnLoopActor(actor, consume inbound, connection: connection)
        } else {
            runTwoWay(actor: actor, inbound, connection: connection)
        }
    }

    /// The local actor a call is for, or why there is none.
    private func recipient(
        of envelope: CallEnvelope, state: InboundCallState, loop: EventLoop
    ) throws(FabricError) -> InboundRecipient {
        let id = envelope.recipient
        let version = registry.version.load(ordering: .acquiring)
        if let known = state.recipient(id, registryVersion: version) { return known }
        guard id.node == node else {
            throw FabricError(.actorNotFound, "this is \(node), not \(id.node)")
        }
        let actor = try localActor(id)
        let runsOnLoop = (actor.unownedExecutor.asSerialExecutor() as AnyObject?) === loop
        let recipient = InboundRecipient(actor: actor, runsOnLoop: runsOnLoop)
        state.remember(recipient, as: id, registryVersion: version)
        return recipient
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
}
