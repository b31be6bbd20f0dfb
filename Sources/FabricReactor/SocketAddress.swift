import CFabricShims
import FabricCore
import Glibc

/// An IPv4 or IPv6 socket address, as the kernel takes it.
struct SocketAddress: @unchecked Sendable {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    /// The address for a numeric IPv4/IPv6 literal (IPv6 optionally in brackets) or
    /// `localhost` (127.0.0.1); nil for anything that needs name resolution.
    init?(numericHost host: String, port: UInt16) {
        let literal = Self.withoutBrackets(host == "localhost" ? "127.0.0.1" : host)
        guard !literal.isEmpty, literal.utf8.count <= Limits.hostBytesMax else { return nil }
        let result = literal.withCString { cfabric_parse_numeric_address($0, port, &storage, &length) }
        guard result == 0 else { return nil }
    }

    /// An address the kernel filled in (`accept`, `getsockname`).
    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    /// Resolves `host` with `getaddrinfo` (blocking: never call on a loop thread).
    static func resolve(host: String, port: UInt16) -> Result<SocketAddress, ReactorError> {
        if let numeric = SocketAddress(numericHost: host, port: port) { return .success(numeric) }
        guard isPlausibleHostName(host) else {
            return .failure(ReactorError(.resolveFailed, "not a valid host: \(host.utf8.count) bytes"))
        }
        var address = SocketAddress(storage: sockaddr_storage(), length: 0)
        let code = host.withCString { cfabric_resolve($0, port, &address.storage, &address.length) }
        guard code == 0 else {
            let reason = cfabric_resolve_error_text(code).map { String(cString: $0) } ?? "error \(code)"
            return .failure(ReactorError(.resolveFailed, "resolving \(host): \(reason)"))
        }
        return .success(address)
    }

    /// Printable ASCII without spaces, 1 to `Limits.hostBytesMax` bytes.
    static func isPlausibleHostName(_ host: String) -> Bool {
        let bytes = host.utf8
        return !bytes.isEmpty && bytes.count <= Limits.hostBytesMax && bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    var family: Int32 { withUnsafePointer(to: storage) { cfabric_address_family($0) } }

    /// The host as text (without brackets) and the port.
    var hostAndPort: (host: String, port: UInt16) {
        var text = [CChar](repeating: 0, count: 64)
        let port = withUnsafePointer(to: storage) { cfabric_format_address($0, &text, text.count) }
        let host = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (host, port)
    }

    private static func withoutBrackets(_ host: String) -> String {
        guard host.hasPrefix("["), host.hasSuffix("]"), host.count >= 2 else { return host }
        return String(host.dropFirst().dropLast())
    }
}
