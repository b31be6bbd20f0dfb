#if canImport(Glibc)
import Glibc
#endif
import Distributed
import FabricCore
import Synchronization

/// Decides whether a target identifier from the wire may run on an actor of a given type.
///
/// The runtime does not check this itself: given a valid identifier of another type's method,
/// `executeDistributedTarget` runs that method's body with the wrong `self` and corrupts memory.
/// So every (actor type, target) pair is checked once, by demangling the identifier (a
/// distributed thunk's mangled name) and comparing its context with the actor's type, and the
/// answer is cached.
///
/// Accepted:
/// - `distributed thunk Module.Type.method(...)`, a method of the recipient's own type, also
///   from an extension in another module (`(extension in Other):Module.Type.method`);
/// - `distributed thunk Module.$Protocol.method(...)`, a non-generic requirement of a
///   `@Resolvable` protocol as its macro-made stub `$Protocol` sends it, when the recipient's
///   type conforms to that protocol. The runtime's record for such a target is generic over
///   `Self: Protocol`; its accessor calls the recipient's witness. The record must have that
///   shape (one generic parameter with requirements, read from its descriptor), the
///   conformance is checked against it (`_getWitnessTablesFor`), not against anything read from
///   the string, and the call then runs with the recipient's type as `Self`
///   (`FabricInvocationDecoder`).
///
/// Rejected: another type, a nested type's method (`Module.Type.Inner.method`), anything that is
/// not a distributed thunk, the protocol extension's own thunk, and *generic* requirements
/// reached through a stub: Swift 6.3.1's accessor for those reads the substitutions off by one
/// and crashes the process whatever the decoder returns (found by experiment; see
/// Docs/Architecture.md).
final class TargetValidator: Sendable {
    /// What a target identifier is to one actor type.
    enum Verdict: Sendable {
        /// A distributed method of the type itself.
        case ownMethod
        /// A requirement of a `@Resolvable` protocol the type conforms to, sent by its stub.
        case protocolRequirement
        case refused
    }

    /// A verdict with the shape of the target it accepts (nil when refused, and a target whose
    /// shape cannot be checked is refused).
    struct Checked: Sendable {
        let verdict: Verdict
        let shape: TargetShape?
    }

    private struct Key: Hashable {
        let type: ObjectIdentifier
        let target: String
    }

    private let cache = Mutex<[Key: Checked]>([:])
    /// Bounds the cache: identifiers come from the wire, so an attacker could send endless
    /// distinct ones. Past this many entries the cache is emptied and refilled.
    private static let cacheEntriesMax = Limits.targetCheckCacheEntriesMax

    /// What `target` is to `actorType` and, when it may run, its shape: checked once per pair.
    func checked(target: String, for actorType: any Any.Type) -> Checked {
        let key = Key(type: ObjectIdentifier(actorType), target: target)
        if let known = cache.withLock({ $0[key] }) { return known }
        let verdict = Self.check(target: target, for: actorType)
        let shape = TargetShape.of(target: target, actorType: actorType, verdict: verdict)
        let checked = Checked(verdict: shape == nil ? .refused : verdict, shape: shape)
        cache.withLock { cache in
            if cache.count >= Self.cacheEntriesMax { cache.removeAll(keepingCapacity: true) }
            cache[key] = checked
        }
        return checked
    }

    static func check(target: String, for actorType: any Any.Type) -> Verdict {
        let bytes = target.utf8
        guard bytes.count >= 4, bytes.count <= Limits.targetIdentifierBytesMax,
            target.hasPrefix("$s"), target.hasSuffix("TE"),
            bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return .refused }
        guard let demangled = demangle(target) else { return .refused }
        let thunkPrefix = "distributed thunk "
        guard demangled.hasPrefix(thunkPrefix) else { return .refused }
        var rest = Substring(demangled.dropFirst(thunkPrefix.count))
        if isStubRequirement(rest) {
            return conformsToRequirement(target: target, actorType: actorType) ? .protocolRequirement : .refused
        }
        if rest.hasPrefix("(extension in "), let colon = rest.firstIndex(of: ":") {
            rest = rest[rest.index(after: colon)...]
        }
        let typeName = Self.nonGenericName(of: actorType)
        guard rest.hasPrefix(typeName + ".") else { return .refused }
        let method = rest.dropFirst(typeName.count + 1)
        let nameEnd = method.firstIndex(where: { $0 == "(" || $0 == "<" }) ?? method.endIndex
        let name = method[..<nameEnd]
        return !name.isEmpty && !name.contains(".") && !name.contains(" ") ? .ownMethod : .refused
    }

    /// Whether a demangled thunk (without its `distributed thunk ` prefix) is
    /// `Module.$Protocol.method(...)`: three plain components, the type's starting with `$`, and
    /// no generic parameter list after the method's name.
    static func isStubRequirement(_ thunk: Substring) -> Bool {
        guard let end = thunk.firstIndex(where: { $0 == "(" || $0 == "<" }), thunk[end] == "(" else { return false }
        let parts = thunk[..<end].split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].count > 1, parts[1].hasPrefix("$") else { return false }
        return parts.allSatisfy { !$0.isEmpty && !$0.contains(" ") && !$0.contains(":") }
    }

    /// Whether the runtime has a record for `target` whose generic environment has the shape of
    /// a protocol requirement's — one generic parameter (`Self`) with requirements on it — and
    /// accepts `actorType` as that parameter (its requirements are the protocol's).
    private static func conformsToRequirement(target: String, actorType: any Any.Type) -> Bool {
        var target = target
        let environment = target.withUTF8 { bytes -> UnsafeRawPointer? in
            guard let base = bytes.baseAddress else { return nil }
            return _getGenericEnvironmentOfDistributedTarget(base, UInt(bytes.count))
        }
        guard let environment, hasOneConstrainedParameter(environment) else { return false }
        return GenericEnvironment.witnessTablesExist(environment, [actorType])
    }

    /// Whether a generic environment descriptor (the runtime's `GenericEnvironment`: 32 bits of
    /// flags — parameter levels in the low 12 bits, requirements in the next 16 — then one
    /// cumulative 16-bit parameter count per level) declares exactly one generic parameter and
    /// at least one requirement. A record generic over more parameters would read substitutions
    /// this check does not supply; one without requirements would accept any type.
    static func hasOneConstrainedParameter(_ environment: UnsafeRawPointer) -> Bool {
        let flags = GenericEnvironment.Flags(environment)
        guard flags.levels == 1, flags.requirements >= 1 else { return false }
        let parameters = environment.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        return parameters == 1
    }

    /// `Module.Type` without generic arguments (`Module.Box<Swift.Int>` → `Module.Box`).
    static func nonGenericName(of type: any Any.Type) -> String {
        let full = String(reflecting: type)
        var depth = 0
        var result = ""
        for character in full {
            switch character {
            case "<": depth += 1
            case ">": depth -= 1
            default: if depth == 0 { result.append(character) }
            }
        }
        return result
    }

    /// The runtime's demangler (the same one crash reports use; it fails cleanly on garbage).
    static func demangle(_ mangled: String) -> String? {
        var mangled = mangled
        return mangled.withUTF8 { bytes -> String? in
            guard let result = swiftDemangle(bytes.baseAddress, bytes.count, nil, nil, 0) else { return nil }
            defer { free(result) }
            return String(cString: result)
        }
    }
}

@_silgen_name("swift_demangle")
private func swiftDemangle(
    _ mangledName: UnsafePointer<UInt8>?, _ mangledNameLength: Int, _ outputBuffer: UnsafeMutablePointer<UInt8>?,
    _ outputBufferSize: UnsafeMutablePointer<Int>?, _ flags: UInt32
) -> UnsafeMutablePointer<CChar>?
