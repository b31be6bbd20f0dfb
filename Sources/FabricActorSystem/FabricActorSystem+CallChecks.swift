import FabricCore
import FabricWire

/// What a call must satisfy before anything of it reaches the runtime, for calls from the wire
/// and for calls through a proxy of a local actor alike (DESIGN.md §4, "Safety on the receive
/// path"). The runtime trusts what it is handed: it reads as many generic substitutions as the
/// target declares (past the end of a shorter list), runs a generic actor type's method with
/// whatever type arguments it is given (another instantiation's code on this instance), and
/// decodes as many arguments as the target takes (ignoring any more).
extension FabricActorSystem {
    /// Checks `envelope` against its route and returns the generic substitutions the call runs
    /// with: nil for a non-generic target, the recipient's type for a `@Resolvable`
    /// requirement, else the call's own, resolved through the local registry and checked.
    /// A refusal is a `serialization` error, counted in `rejectedTargets`.
    func admittedSubstitutions(
        of envelope: borrowing CallEnvelope, route: borrowing TargetRoute, actorType: any Any.Type
    ) throws(FabricError) -> [any Any.Type]? {
        do {
            return try checkedSubstitutions(of: envelope, route: route, actorType: actorType)
        } catch {
            counters.add(.rejectedTargets)
            throw error
        }
    }

    private func checkedSubstitutions(
        of envelope: borrowing CallEnvelope, route: borrowing TargetRoute, actorType: any Any.Type
    ) throws(FabricError) -> [any Any.Type]? {
        guard route.verdict != .refused, let shape = route.shape else {
            throw FabricError.serialization("target is not a distributed method of \(actorType)")
        }
        guard envelope.arguments.count == shape.parameterCount else {
            throw FabricError.serialization(
                "the call carries \(envelope.arguments.count) arguments, the target takes \(shape.parameterCount)")
        }
        let names = envelope.genericSubstitutions
        if route.verdict == .protocolRequirement {
            // A stub records its own type as the one substitution (`Self`); the recipient's type
            // takes its place, so the sender's name is never resolved here.
            guard names.count == 1 else {
                throw FabricError.serialization(
                    "a protocol requirement's call carries one generic substitution, not \(names.count)")
            }
            return [actorType]
        }
        guard let environment = shape.environment else {
            guard names.isEmpty else {
                throw FabricError.serialization(
                    "the target is not generic, the call carries \(names.count) generic substitutions")
            }
            return nil
        }
        guard names.count == environment.parameterCount else {
            throw FabricError.serialization(
                "the target takes \(environment.parameterCount) generic substitutions, the call carries \(names.count)")
        }
        var substitutions: [any Any.Type] = []
        substitutions.reserveCapacity(names.count)
        for name in names {
            guard let type = types.type(named: name) else {
                throw FabricError.serialization(
                    "unknown generic substitution type (\(name.utf8.count) bytes); register it with FabricActorSystem.register(_:)")
            }
            substitutions.append(type)
        }
        let own = shape.actorParameterCount
        if own > 0, !GenericActorType.isType(actorType, instantiatedWith: substitutions[..<own]) {
            throw FabricError.serialization(
                "the substitutions for the generic parameters of \(actorType) are not this actor's own")
        }
        guard environment.accepts(substitutions) else {
            throw FabricError.serialization("the generic substitutions do not satisfy the target's requirements")
        }
        return substitutions
    }
}
