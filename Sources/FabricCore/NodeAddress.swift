/// Where a node listens: a host (name, IPv4 or IPv6 literal) and a TCP port.
public struct NodeAddress: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A host name, or an IPv4 or IPv6 literal (without brackets).
    public let host: String
    /// The TCP port.
    public let port: UInt16

    /// Makes an address, or throws `invalidArgument` when `host` is not 1 to
    /// `Limits.hostBytesMax` bytes of printable ASCII without spaces.
    public init(host: String, port: UInt16) throws(FabricError) {
        if let reason = Self.hostInvalidity(host) {
            throw .invalidArgument("invalid host \(host.debugDescription): \(reason)")
        }
        self.init(checkedHost: host, port: port)
    }

    /// Makes an address from a host this package built or already checked; an invalid one is a
    /// bug here, so it traps with the host.
    package init(uncheckedHost host: String, port: UInt16) {
        precondition(Self.isValidHost(host), "invalid host \(host.debugDescription)")
        self.init(checkedHost: host, port: port)
    }

    private init(checkedHost host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` or `[IPV6]:PORT`, or throws `invalidArgument` saying what is wrong.
    ///
    /// It throws rather than returning nil so that a typo in a listen address cannot turn a
    /// node into a client that only dials out (`FabricNodeConfiguration.listen` is optional);
    /// write `try? NodeAddress(parsing:)` where nil is really what you want.
    public init(parsing text: String) throws(FabricError) {
        func fail(_ reason: String) -> FabricError {
            .invalidArgument("invalid address \(text.debugDescription): \(reason)")
        }
        guard text.utf8.count <= Limits.hostBytesMax + 8 else { throw fail("it is too long") }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw fail("no \"]\" after the IPv6 host") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw fail("no \":PORT\" after \"]\"") }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw fail("no \":PORT\"; write HOST:PORT") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { throw fail("an IPv6 host needs brackets: [HOST]:PORT") }
        }
        if let reason = Self.hostInvalidity(String(host)) { throw fail(reason) }
        guard let port = UInt16(portText) else {
            throw fail("the port \(String(portText).debugDescription) is not a number from 0 to 65535")
        }
        self.init(checkedHost: String(host), port: port)
    }

    /// Whether `host` can be an address's host: 1 to `Limits.hostBytesMax` bytes of printable
    /// ASCII without spaces (the rule for hosts read from the wire, too).
    public static func isValidHost(_ host: String) -> Bool {
        let bytes = host.utf8  // no copy and no message: this runs for hosts read from the wire
        guard !bytes.isEmpty, bytes.count <= Limits.hostBytesMax else { return false }
        return bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// Why `host` cannot be a host, or nil when it can.
    static func hostInvalidity(_ host: String) -> String? {
        let bytes = host.utf8
        if bytes.isEmpty { return "the host is empty" }
        if bytes.count > Limits.hostBytesMax {
            return "the host has \(bytes.count) bytes, more than the \(Limits.hostBytesMax) allowed"
        }
        if let bad = host.unicodeScalars.first(where: { $0.value <= 0x20 || $0.value >= 0x7F }) {
            return "\(String(bad).debugDescription) is not allowed in a host (printable ASCII, no spaces)"
        }
        return nil
    }

    /// `HOST:PORT`, or `[HOST]:PORT` for an IPv6 literal.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    private enum CodingKeys: String, CodingKey { case host, port }

    /// Decodes host and port, failing with `dataCorrupted` on an invalid host.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let host = try container.decode(String.self, forKey: .host)
        let port = try container.decode(UInt16.self, forKey: .port)
        guard Self.isValidHost(host) else {
            throw DecodingError.dataCorruptedError(forKey: .host, in: container, debugDescription: "invalid host")
        }
        self.init(checkedHost: host, port: port)
    }
}
