/// The name of a node, unique within its cluster, and how everything on that node is addressed.
///
/// Names are short and plain (letters, digits, `.`, `_`, `-`; at most `Limits.nodeNameBytesMax`
/// bytes) so that they can appear in logs, metrics labels and, later, certificate SANs unchanged.
public struct NodeId: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The node's name, as given on its command line or in its configuration.
    public let name: String

    /// Makes a node id from `name`, or throws `invalidArgument` saying what is wrong with it.
    ///
    /// This is the initialiser for names from anywhere: source, flags, files. It throws rather
    /// than traps because a name is data; `init?(validating:)` is the same check without the
    /// message. (`NodeId` is deliberately not `ExpressibleByStringLiteral`: Swift turns
    /// `NodeId("b")` into a literal conversion when the type has one, so the call would skip
    /// this check and trap on a typo instead, the very thing this initialiser exists to avoid.)
    public init(_ name: String) throws(FabricError) {
        if let reason = Self.invalidity(of: name) {
            throw .invalidArgument("invalid node name \(name.debugDescription): \(reason)")
        }
        self.name = name
    }

    /// Makes a node id from untrusted text, or nil when the text is not a valid name (the wire
    /// decoders use it: no message is built for a hostile peer's bytes).
    public init?(validating name: String) {
        guard Self.isValid(name) else { return nil }
        self.name = name
    }

    /// Makes a node id from a name this package knows to be valid (a constant, or text already
    /// checked); an invalid one is a bug here, so it traps with the name.
    package init(uncheckedValid name: String) {
        precondition(Self.isValid(name), "invalid node name \(name.debugDescription)")
        self.name = name
    }

    /// Why `name` cannot name a node, or nil when it can.
    static func invalidity(of name: String) -> String? {
        let bytes = name.utf8
        if bytes.isEmpty { return "it is empty" }
        if bytes.count > Limits.nodeNameBytesMax {
            return "it has \(bytes.count) bytes, more than the \(Limits.nodeNameBytesMax) allowed"
        }
        if let bad = name.unicodeScalars.first(where: { !$0.isASCII || !isNameByte(UInt8($0.value)) }) {
            return "\(String(bad).debugDescription) is not allowed (only A-Z a-z 0-9 . _ -)"
        }
        return nil
    }

    /// Whether `name` can name a node: 1 to `Limits.nodeNameBytesMax` bytes of `[A-Za-z0-9._-]`.
    public static func isValid(_ name: String) -> Bool {
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= Limits.nodeNameBytesMax else { return false }
        return bytes.allSatisfy(isNameByte)
    }

    /// Whether a byte may appear in node and cluster names.
    package static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// Orders nodes by name (ties between simultaneous connects are broken this way).
    public static func < (lhs: NodeId, rhs: NodeId) -> Bool { lhs.name < rhs.name }

    /// The name.
    public var description: String { name }

    /// Decodes a name, failing with `dataCorrupted` when it is not valid.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard Self.isValid(name) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "invalid node name")
        }
        self.name = name
    }

    /// Encodes the name as a single string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
