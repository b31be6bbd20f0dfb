import Distributed
import FabricCore
import FabricTransport
import FabricWire

/// A target identifier checked against one actor type, with what the invoker needs to run it.
struct TargetRoute: Sendable {
    let target: String
    let actorType: ObjectIdentifier
    /// What the target is to that type (`TargetValidator`).
    let verdict: TargetValidator.Verdict
    /// What the target takes (`TargetShape`); nil when it is refused.
    let shape: TargetShape?
    /// Types resolved once (`TargetInvoker`); nil where the standard library's path runs it.
    let signature: TargetInvoker.Signature?
}

/// The local actor an incoming call is for.
struct InboundRecipient {
    let actor: any DistributedActor
    /// Whether the actor's executor is the loop of the connection the call came on: then the
    /// call's task starts isolated to the actor (`FabricActorSystem.startOnLoopActor`).
    let runsOnLoop: Bool
}

/// What the receive path keeps for one connection, on that connection's loop only: the memo of
/// the last envelope's recipient and target, the actor and route they led to, and the one-way
/// mailboxes. A stream of calls to one actor method then costs no string building, hashing or
/// lock per call; anything else takes the full path (registry, validator and invoker caches).
///
/// Loop-confined, so the runtime's dynamic exclusivity checks are off for every field (each is
/// touched at least once per call).
final class InboundCallState: @unchecked Sendable {
    @exclusivity(unchecked) var memo = CallEnvelopeMemo()
    @exclusivity(unchecked) private var lastRecipientID: ActorID?
    private weak var lastRecipient: (any DistributedActor)?
    @exclusivity(unchecked) private var lastRecipientRunsOnLoop = false
    /// The registry's version when `lastRecipient` was looked up: any actor joining or leaving
    /// since makes the next call look it up again.
    @exclusivity(unchecked) private var lastRecipientVersion: UInt64 = 0
    @exclusivity(unchecked) private var lastRoute: TargetRoute?
    /// One-way calls waiting, per recipient (`OneWayMailbox`).
    @exclusivity(unchecked) var mailboxes: [ObjectIdentifier: OneWayMailbox] = [:]

    /// The actor remembered for `id`, if the registry has not changed since.
    func recipient(_ id: ActorID, registryVersion: UInt64) -> InboundRecipient? {
        guard registryVersion == lastRecipientVersion, let lastRecipientID, lastRecipientID == id,
            let actor = lastRecipient
        else { return nil }
        return InboundRecipient(actor: actor, runsOnLoop: lastRecipientRunsOnLoop)
    }

    func remember(_ recipient: InboundRecipient, as id: ActorID, registryVersion: UInt64) {
        lastRecipientID = id
        lastRecipient = recipient.actor
        lastRecipientRunsOnLoop = recipient.runsOnLoop
        lastRecipientVersion = registryVersion
    }

    /// The route of `target` on `actorType`: the remembered one, or `resolve()`'s (remembered).
    func route(target: String, actorType: any Any.Type, resolve: () -> TargetRoute) -> TargetRoute {
        let type = ObjectIdentifier(actorType)
        if let lastRoute, lastRoute.actorType == type, lastRoute.target == target { return lastRoute }
        let route = resolve()
        lastRoute = route
        return route
    }
}

extension FabricActorSystem {
    /// The receive state of `connection`, made on its first call.
    func inboundState(of connection: Connection) -> InboundCallState {
        if let state = connection.delegateState as? InboundCallState { return state }
        let state = InboundCallState()
        connection.delegateState = state
        return state
    }

    /// The checks and cached types for `target` on `actorType`, from the system-wide caches.
    func resolveRoute(target: String, actorType: any Any.Type) -> TargetRoute {
        let checked = targets.checked(target: target, for: actorType)
        // A protocol requirement runs through the standard library's path, which takes the
        // recipient's type as the record's `Self`.
        return TargetRoute(
            target: target, actorType: ObjectIdentifier(actorType), verdict: checked.verdict, shape: checked.shape,
            signature: checked.verdict == .ownMethod ? invoker.signature(of: target) : nil)
    }
}
