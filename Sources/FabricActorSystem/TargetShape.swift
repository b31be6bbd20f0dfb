import Distributed
import FabricCore

/// What a checked target takes, from the runtime's own records of it, never from the wire: how
/// many arguments, its generic environment, and how many of that environment's parameters are
/// the recipient type's own. A call is held against it before it reaches the runtime
/// (`FabricActorSystem.admittedSubstitutions`): the runtime decodes as many arguments as the
/// target takes and ignores any more (a call with one argument too many would run), and reads
/// as many substitutions as the environment declares.
struct TargetShape: Sendable {
    /// The target's parameters, as the runtime counts them from its mangled name.
    let parameterCount: Int
    /// nil for a non-generic target.
    let environment: GenericEnvironment?
    /// The leading substitutions that stand for the actor type's own generic parameters (0 for
    /// a non-generic type, and for a `@Resolvable` requirement, whose one substitution is the
    /// recipient's type): they must be the instance's own generic arguments (`GenericActorType`).
    let actorParameterCount: Int

    /// The shape of `target` on `actorType`, or nil when the receive path cannot check calls to
    /// it (it is then refused): no parameter count, an unsupported generic environment, or a
    /// method of a generic actor type with more generic parameters than its type's (its own).
    static func of(target: String, actorType: any Any.Type, verdict: TargetValidator.Verdict) -> TargetShape? {
        var name = target
        let count = name.withUTF8 { bytes -> Int32 in
            guard let base = bytes.baseAddress else { return -1 }
            return __getParameterCount(base, UInt(bytes.count))
        }
        guard count >= 0, count <= Int32(Limits.argumentsMax) else { return nil }
        let environment: GenericEnvironment?
        switch GenericEnvironment.of(target: target) {
        case .nonGeneric: environment = nil
        case .generic(let found): environment = found
        case .unsupported: return nil
        }
        switch verdict {
        case .refused:
            return nil
        case .protocolRequirement:
            return TargetShape(parameterCount: Int(count), environment: environment, actorParameterCount: 0)
        case .ownMethod:
            guard let actorParameters = GenericActorType.parameterCount(of: actorType) else { return nil }
            if actorParameters > 0 {
                // The type's parameters are the outer levels of every method's environment, and
                // a method of a generic type may not have parameters of its own: Swift 6.3.1's
                // accessor for one reads the method's substitutions from the start of the list,
                // where the type's are (`Box<Int>.f<U>` called with `[Int, String]` runs with
                // `U == Int`, a `String` argument read as an `Int`; found by experiment).
                guard let environment, environment.parameterCount == actorParameters else { return nil }
            }
            return TargetShape(parameterCount: Int(count), environment: environment, actorParameterCount: actorParameters)
        }
    }
}
