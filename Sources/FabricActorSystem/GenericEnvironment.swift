import Distributed
import FabricCore

/// The generic environment of a distributed target, read from the runtime's own record of the
/// target (`_getGenericEnvironmentOfDistributedTarget`), never from anything a call carries.
///
/// The runtime reads as many generic substitutions as this environment declares parameters,
/// whatever number the caller handed it (too few: it reads past the buffer), and takes each one
/// for the kind of parameter declared (a type where a pack is declared would be read as a
/// pack). So a call's substitutions are counted and checked against this before the runtime
/// sees them (`FabricActorSystem.admittedSubstitutions`).
///
/// The descriptor is the runtime's `GenericEnvironment`: 32 bits of flags — parameter levels
/// (depths) in the low 12 bits, requirements in the next 16 — then one cumulative 16-bit
/// parameter count per level, outermost first, then one byte per parameter (its kind in the low
/// 6 bits, 0 for a type; 0x80 set when it is passed as a key argument), then the requirements.
/// `RuntimeInternalsTests` checks this layout on known targets.
struct GenericEnvironment: @unchecked Sendable {
    /// The runtime's descriptor: static memory of the binary that declares the target.
    let descriptor: UnsafeRawPointer
    /// Cumulative parameter counts, one per level of genericity, outermost first (a method of
    /// `Box<T>` generic over `U` has `[1, 2]`).
    let parameterCounts: [Int]
    let requirementCount: Int

    /// The generic parameters of the target in all: the substitutions a call must carry.
    var parameterCount: Int { parameterCounts.last ?? 0 }

    /// A plain type parameter passed as a key argument: the only kind a substitution can be.
    static let plainTypeParameter: UInt8 = 0x80

    /// The environment of `target`; `.nonGeneric` when the runtime's record has none (or there
    /// is no record: the runtime then refuses the call itself), `.unsupported` for a shape the
    /// receive path cannot check — a parameter pack, a value parameter, a parameter that is not
    /// a key argument, or more parameters than a call can carry.
    static func of(target: String) -> Lookup {
        var target = target
        let descriptor = target.withUTF8 { bytes -> UnsafeRawPointer? in
            guard let base = bytes.baseAddress else { return nil }
            return _getGenericEnvironmentOfDistributedTarget(base, UInt(bytes.count))
        }
        guard let descriptor else { return .nonGeneric }
        guard let environment = GenericEnvironment(descriptor) else { return .unsupported }
        return .generic(environment)
    }

    enum Lookup {
        case nonGeneric
        case generic(GenericEnvironment)
        case unsupported
    }

    /// Parses a descriptor the runtime returned; nil for a shape the receive path cannot check.
    init?(_ descriptor: UnsafeRawPointer) {
        let flags = Flags(descriptor)
        guard flags.levels >= 1, flags.levels <= Limits.genericSubstitutionsMax else { return nil }
        var counts: [Int] = []
        counts.reserveCapacity(flags.levels)
        for level in 0..<flags.levels {
            let count = Int(descriptor.loadUnaligned(fromByteOffset: 4 + 2 * level, as: UInt16.self))
            guard count >= (counts.last ?? 0) else { return nil }
            counts.append(count)
        }
        let total = counts[counts.count - 1]
        guard total >= 1, total <= Limits.genericSubstitutionsMax else { return nil }
        let parameters = descriptor + 4 + 2 * flags.levels
        for index in 0..<total where parameters.load(fromByteOffset: index, as: UInt8.self) != Self.plainTypeParameter {
            return nil
        }
        self.descriptor = descriptor
        self.parameterCounts = counts
        self.requirementCount = flags.requirements
    }

    /// Whether `substitutions` satisfy the target's requirements (`_getWitnessTablesFor`, as the
    /// standard library asks before it runs a generic target). Checked here first, so that a
    /// substitution that does not satisfy them is refused before the runtime is handed it.
    func accepts(_ substitutions: [any Any.Type]) -> Bool {
        precondition(
            substitutions.count == parameterCount,
            "\(substitutions.count) substitutions for a target with \(parameterCount) generic parameters")
        return Self.witnessTablesExist(descriptor, substitutions)
    }

    /// `_getWitnessTablesFor` on `descriptor` with `arguments` (one per parameter it declares):
    /// whether the requirements hold, the tables it allocated freed.
    static func witnessTablesExist(_ descriptor: UnsafeRawPointer, _ arguments: [any Any.Type]) -> Bool {
        precondition(!arguments.isEmpty, "a generic environment has at least one parameter")
        let (tables, count) = arguments.withUnsafeBufferPointer { buffer in
            _getWitnessTablesFor(environment: descriptor, genericArguments: UnsafeRawPointer(buffer.baseAddress!))
        }
        if count > 0 { UnsafeMutableRawPointer(mutating: tables).deallocate() }
        return count >= 0
    }

    /// The descriptor's first 32 bits.
    struct Flags {
        let levels: Int
        let requirements: Int

        init(_ descriptor: UnsafeRawPointer) {
            let flags = descriptor.loadUnaligned(as: UInt32.self)
            levels = Int(flags & 0xFFF)
            requirements = Int((flags >> 12) & 0xFFFF)
        }
    }
}
