#if canImport(Glibc)
import Glibc
#endif
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
/// Accepted: `distributed thunk Module.Type.method(...)`, also from an extension in another
/// module (`(extension in Other):Module.Type.method`). Rejected: another type, a nested type's
/// method (`Module.Type.Inner.method`), anything that is not a distributed thunk, and methods
/// reached through a distributed protocol's stub (not supported yet).
final class TargetValidator: Sendable {
    private struct Key: Hashable {
        let type: ObjectIdentifier
        let target: String
    }

    private let cache = Mutex<[Key: Bool]>([:])
    /// Bounds the cache: identifiers come from the wire, so an attacker could send endless
    /// distinct ones. Past this many entries the cache is emptied and refilled.
    private static let cacheEntriesMax = Limits.targetCheckCacheEntriesMax

    func isValid(target: String, for actorType: any Any.Type) -> Bool {
        let key = Key(type: ObjectIdentifier(actorType), target: target)
        if let known = cache.withLock({ $0[key] }) { return known }
        let valid = Self.check(target: target, for: actorType)
        cache.withLock { cache in
            if cache.count >= Self.cacheEntriesMax { cache.removeAll(keepingCapacity: true) }
            cache[key] = valid
        }
        return valid
    }

    static func check(target: String, for actorType: any Any.Type) -> Bool {
        let bytes = target.utf8
        guard bytes.count >= 4, bytes.count <= Limits.targetIdentifierBytesMax,
            target.hasPrefix("$s"), target.hasSuffix("TE"),
            bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return false }
        guard let demangled = demangle(target) else { return false }
        let thunkPrefix = "distributed thunk "
        guard demangled.hasPrefix(thunkPrefix) else { return false }
        var rest = Substring(demangled.dropFirst(thunkPrefix.count))
        if rest.hasPrefix("(extension in "), let colon = rest.firstIndex(of: ":") {
            rest = rest[rest.index(after: colon)...]
        }
        let typeName = Self.nonGenericName(of: actorType)
        guard rest.hasPrefix(typeName + ".") else { return false }
        let method = rest.dropFirst(typeName.count + 1)
        let nameEnd = method.firstIndex(where: { $0 == "(" || $0 == "<" }) ?? method.endIndex
        let name = method[..<nameEnd]
        return !name.isEmpty && !name.contains(".") && !name.contains(" ")
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
