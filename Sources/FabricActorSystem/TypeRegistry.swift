import FabricCore
import FabricWire
import Synchronization

/// The only way a type name from the wire becomes a type: a table built locally.
///
/// Names are never handed to `_typeByName` (which crashes on crafted input). A generic
/// substitution resolves if this process registered the type itself — by calling a generic
/// distributed method with it, or through `FabricActorSystem.register(_:)` — and error types
/// resolve only when registered with `registerError(_:)`. Everything else is a `serialization`
/// error.
final class TypeRegistry: Sendable {
    private let types = Mutex<[String: any Any.Type]>([:])
    private let errors = Mutex<[String: ErrorDecoding]>([:])

    /// How to rebuild a registered error type from its encoding.
    struct ErrorDecoding: Sendable {
        let decode: @Sendable (BinaryDecoder, ArraySlice<UInt8>) throws -> any Error
    }

    init() {
        for type in Self.builtins { register(type) }
    }

    /// The name a type travels under: its mangled name (unambiguous across modules).
    static func wireName(of type: any Any.Type) -> String? {
        guard let name = _mangledTypeName(type), name.utf8.count <= Limits.typeNameBytesMax else { return nil }
        return name
    }

    @discardableResult
    func register(_ type: any Any.Type) -> String? {
        guard let name = Self.wireName(of: type) else { return nil }
        types.withLock { table in
            if table[name] == nil { table[name] = type }
        }
        return name
    }

    func type(named name: String) -> (any Any.Type)? {
        types.withLock { $0[name] }
    }

    /// The name an error type travels under: its fully qualified name, readable in messages.
    static func errorName(of type: any Any.Type) -> String { String(reflecting: type) }

    func registerError<E: Error & Codable>(_ type: E.Type) {
        let decoding = ErrorDecoding { decoder, bytes in try decoder.decode(E.self, from: bytes) }
        errors.withLock { $0[Self.errorName(of: type)] = decoding }
    }

    func errorDecoding(named name: String) -> ErrorDecoding? {
        errors.withLock { $0[name] }
    }

    func isRegisteredError(_ type: any Any.Type) -> Bool {
        errors.withLock { $0[Self.errorName(of: type)] != nil }
    }

    private static let builtins: [any Any.Type] = [
        Bool.self, Int.self, Int8.self, Int16.self, Int32.self, Int64.self, UInt.self, UInt8.self,
        UInt16.self, UInt32.self, UInt64.self, Float.self, Double.self, String.self, [UInt8].self,
        [Int].self, [String].self, [String: String].self, [String: Int].self, Optional<Int>.self,
        Optional<String>.self,
    ]
}
