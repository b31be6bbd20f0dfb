import Distributed
import FabricCore
import FabricReactor
import FabricTransport
import FabricWire

/// The sending side of a remote call: invocation → envelope → connection → wait for the reply
/// by call id, under the call's deadline.
extension FabricActorSystem {
    /// A fresh encoder for one call's arguments (used by the compiler's thunks).
    public func makeInvocationEncoder() -> FabricInvocationEncoder {
        FabricInvocationEncoder(system: self)
    }

    /// Carries a call that returns a value to the remote actor and waits for its reply (used by the compiler's thunks; the call options in scope apply).
    public func remoteCall<Act, Err, Res>(
        on actor: Act, target: RemoteCallTarget, invocation: inout FabricInvocationEncoder,
        throwing: Err.Type, returning: Res.Type
    ) async throws -> Res
    where Act: DistributedActor, Act.ID == ActorID, Err: Error, Res: Codable {
        let scope = CallContext.current
        guard !scope.oneWay else {
            throw FabricError.rejected("one-way calls must return Void; \(target.identifier.prefix(80)) returns \(Res.self)")
        }
        let payload = try await callAndWait(actor.id, target: target, invocation: &invocation, scope: scope)
        switch try decodeReply(payload) {
        case .value(let bytes):
            do {
                return try binaryDecoder.decode(Res.self, from: bytes)
            } catch {
                throw FabricError.serialization("cannot decode the reply as \(Res.self): \(error)")
            }
        case .void:
            throw FabricError.serialization("expected a \(Res.self) but the reply is empty")
        case .failure(let failure):
            throw error(from: failure)
        }
    }

    /// Carries a call to a method that returns nothing (used by the compiler's thunks); a one-way call (`withCallOptions(oneWay: true)`) gets no reply to wait for.
    public func remoteCallVoid<Act, Err>(
        on actor: Act, target: RemoteCallTarget, invocation: inout FabricInvocationEncoder, throwing: Err.Type
    ) async throws where Act: DistributedActor, Act.ID == ActorID, Err: Error {
        let scope = CallContext.current
        if scope.oneWay {
            try await sendOneWay(actor.id, target: target, invocation: &invocation, scope: scope)
            return
        }
        let payload = try await callAndWait(actor.id, target: target, invocation: &invocation, scope: scope)
        switch try decodeReply(payload) {
        case .void, .value: return
        case .failure(let failure): throw error(from: failure)
        }
    }

    private func decodeReply(_ payload: ArraySlice<UInt8>) throws -> ReplyEnvelope {
        do {
            return try ReplyEnvelope.decode(payload)
        } catch {
            throw FabricError.serialization("malformed reply: \(error)")
        }
    }

    /// The deadline of a call made now (the scope's, or the default timeout from now) and the
    /// budget the wire carries for it; `timeout` when it has passed already.
    ///
    /// The time is this system's clock, the one its loops arm the deadline on. A scope made on
    /// another clock (only possible with an injected one) counts for what is left of it.
    private func deadlineAndBudget(scope: CallScope) throws(FabricError) -> (deadline: Instant, budgetMicroseconds: UInt64) {
        let now = clock.now
        var deadline = scope.deadline ?? now + limits.callTimeoutDefault
        if scope.deadline != nil, !scope.clock.isSame(as: clock) {
            deadline = now + deadline.duration(since: scope.clock.now)
        }
        guard deadline > now else { throw FabricError.timeout("the deadline passed before the call was sent") }
        return (deadline, UInt64(max(1, deadline.duration(since: now).microseconds)))
    }

    /// A call's payload as it goes out: its arguments, as the invocation encoder recorded
    /// them, then its envelope's header appended to the same array; the header goes on the
    /// wire first (`OutboundMessage.wireStart`). Takes the arguments out of `invocation`.
    private func envelopePayload(
        _ recipient: ActorID, target: RemoteCallTarget, invocation: inout FabricInvocationEncoder,
        budgetMicroseconds: UInt64
    ) throws -> CallPayload {
        let argumentCount = invocation.arguments.count
        var payload = invocation.arguments.takeBytes()
        let wireStart = payload.count
        do {
            var writer: CallEnvelopeWriter
            if invocation.genericSubstitutions.isEmpty {
                writer = try callHeaderMemo.withLock { (memo) throws(WireError) in
                    try CallEnvelopeWriter(
                        recipient: recipient, deadlineBudgetMicroseconds: budgetMicroseconds,
                        target: target.identifier, memo: &memo, into: &payload)
                }
            } else {
                writer = try CallEnvelopeWriter(
                    recipient: recipient, deadlineBudgetMicroseconds: budgetMicroseconds, target: target.identifier,
                    genericSubstitutions: invocation.genericSubstitutions, into: &payload)
            }
            try writer.recordArguments(count: argumentCount)
            try writer.finish(&payload)
        } catch {
            throw FabricError.serialization("cannot encode the call: \(error)")
        }
        return CallPayload(bytes: payload, wireStart: wireStart)
    }

    /// Checks the recipient's generation against what the transport knows of its node.
    private func checkGeneration(_ recipient: ActorID) throws {
        guard recipient.generation != ActorID.anyGeneration,
            let current = transport.generation(of: recipient.node), current != recipient.generation
        else { return }
        throw FabricError.nodeDown("\(recipient) belongs to an earlier process of \(recipient.node)")
    }

    private nonisolated(nonsending) func callAndWait(
        _ recipient: ActorID, target: RemoteCallTarget, invocation: inout FabricInvocationEncoder, scope: CallScope
    ) async throws -> ArraySlice<UInt8> {
        scope.targetLog?.record(target.identifier)
        if recipient.node == node {
            return try await callLocally(recipient, target: target, invocation: &invocation, scope: scope, isOneWay: false)
        }
        return try await callAndWait(recipient, scope: scope) { budget in
            try envelopePayload(recipient, target: target, invocation: &invocation, budgetMicroseconds: budget)
        }
    }

    /// Sends a call whose payload `makePayload` builds for the remaining budget, and waits for
    /// its reply.
    nonisolated(nonsending) func callAndWait(
        _ recipient: ActorID, scope: CallScope, makePayload: (_ budgetMicroseconds: UInt64) throws -> CallPayload
    ) async throws -> ArraySlice<UInt8> {
        if Task.isCancelled { throw FabricError(.cancelled, "the calling task was cancelled") }
        try checkGeneration(recipient)
        let (deadline, budget) = try deadlineAndBudget(scope: scope)
        let connection = try transport.connection(to: recipient.node)
        let payload = try makePayload(budget)
        if connection.isBackPressured { try await connection.waitForSpace() }
        let callID = makeCallID()
        // Handed over, not kept: this frame lives until the reply, and a payload array it still
        // referred to could not go back to the pool once framed (`PayloadBufferPool`).
        var message = Optional(OutboundMessage(
            kind: .call, priority: scope.priority.raw, messageID: callID, payload: payload.bytes,
            wireStart: payload.wireStart))
        _ = consume payload
        counters.add(.callsSent)
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let call = PendingCall(callID: callID, deadline: deadline, continuation: continuation)
                do {
                    precondition(message != nil, "a call's message is sent once")
                    try connection.sendCall(message.take().unsafelyUnwrapped, call)
                    // Cancelled before the call was queued: the handler's cancellation found
                    // nothing to cancel, so ask again now that it is there.
                    if Task.isCancelled { connection.cancelCall(callID) }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            connection.cancelCall(callID)
        }
    }

    /// Sends a call with any target and raw arguments, as a hostile peer could (with
    /// `trailingBytes` after the envelope's end): the tests of the receive path use it.
    func rawCall(
        _ recipient: ActorID, target: String, genericSubstitutions: [String] = [], arguments: [[UInt8]],
        trailingBytes: [UInt8] = []
    ) async throws -> ReplyEnvelope {
        let payload = try await callAndWait(recipient, scope: CallContext.current) { budget in
            let envelope = CallEnvelope(
                recipient: recipient, deadlineBudgetMicroseconds: budget, target: target,
                genericSubstitutions: genericSubstitutions, arguments: arguments.map { $0[...] })
            var payload: [UInt8] = []
            try envelope.encode(into: &payload)
            payload += trailingBytes
            return CallPayload(bytes: payload, wireStart: 0)
        }
        return try decodeReply(payload)
    }

    private nonisolated(nonsending) func sendOneWay(
        _ recipient: ActorID, target: RemoteCallTarget, invocation: inout FabricInvocationEncoder, scope: CallScope
    ) async throws {
        if recipient.node == node {
            _ = try await callLocally(recipient, target: target, invocation: &invocation, scope: scope, isOneWay: true)
            return
        }
        try checkGeneration(recipient)
        let connection = try transport.connection(to: recipient.node)
        if connection.isBackPressured { try await connection.waitForSpace() }
        let payload = try envelopePayload(recipient, target: target, invocation: &invocation, budgetMicroseconds: 0)
        counters.add(.callsSent)
        let wireStart = payload.wireStart
        // Handed over, not kept (see `callAndWait`).
        try connection.send(
            OutboundMessage(
                kind: .oneway, priority: scope.priority.raw, messageID: makeCallID(),
                payload: (consume payload).bytes, wireStart: wireStart))
    }

    /// A call to an actor of this node through a proxy: the runtime makes one when a
    /// `@Resolvable` protocol's stub is resolved for a local actor (`resolve` returns nil, the
    /// stub not being the actor's type). It runs in the calling task, through the same encoding
    /// and the same checks as a call from the wire, with no connection; like any local call it
    /// is neither one-way nor bounded by its deadline once it runs (DESIGN.md §4), though code
    /// it calls sees the deadline, and a deadline already passed refuses it as any call.
    private nonisolated(nonsending) func callLocally(
        _ recipient: ActorID, target: RemoteCallTarget, invocation: inout FabricInvocationEncoder,
        scope: CallScope, isOneWay: Bool
    ) async throws -> ArraySlice<UInt8> {
        let (deadline, budget) = try deadlineAndBudget(scope: scope)
        let payload = try envelopePayload(recipient, target: target, invocation: &invocation, budgetMicroseconds: budget)
        let envelope: CallEnvelope
        do {
            envelope = try CallEnvelope.decode(payload.inWireOrder[...])
        } catch {
            throw FabricError.serialization("cannot decode the call it encoded: \(error)")
        }
        let actor = try localActor(recipient)
        let actorType = type(of: actor)
        let route = resolveRoute(target: envelope.target, actorType: actorType)
        let substitutions = try admittedSubstitutions(of: envelope, route: route, actorType: actorType)
        let reply = LocalReply()
        let handler = FabricResultHandler(system: self, localReply: reply, isOneWay: isOneWay)
        await CallContext.$current.withValue(CallScope(deadline: deadline, clock: clock)) {
            await executeOnActor(actor, PreparedCall(envelope, route, substitutions: substitutions, callID: 0), handler: handler)
        }
        if isOneWay { return [] }
        guard let bytes = reply.payload else {
            throw FabricError.serialization("the local call to \(recipient) ended without a reply")
        }
        return bytes[...]
    }
}

/// A call's payload and where it starts on the wire (`OutboundMessage.wireStart`).
struct CallPayload {
    let bytes: [UInt8]
    let wireStart: Int

    /// The payload as the receiver gets it (for calls that never leave the process).
    var inWireOrder: [UInt8] {
        var ordered = Array(bytes[wireStart...])
        ordered += bytes[..<wireStart]
        return ordered
    }
}
