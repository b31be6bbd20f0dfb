/// The name of a node, unique within its cluster, and how everything on that node is addressed.
///
/// Names are short and plain (letters, digits, `.`, `_`, `-`; at most `Limits.nodeNameBytesMax`
/// bytes) so that they can appear in logs, metrics labels and, later, certificate SANs unchanged.
public struct NodeId: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The node's name, as given on its command line or in its configuration.
    public let name: String

    /// Makes a node id from a name that has already been checked by `isValid(_:)`.
    /// A name from outside (a flag, a file, the wire) goes through `init(validating:)` instead.
    public init(_ name: String) {
        precondition(Self.isValid(name), "invalid node name \(name.debugDescription)")
        self.name = name
    }

    /// Makes a node id from untrusted text, or nil when the text is not a valid name.
    public init?(validating name: String) {
        guard Self.isValid(name) else { return nil }
        self.name = name
    }

    /// Whether `name` can name a node: 1 to `Limits.nodeNameBytesMax` bytes of `[A-Za-z0-9._-]`.
    public static func isValid(_ name: String) -> Bool {
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= Limits.nodeNameBytesMax else { return false }
        return bytes.allSatisfy(isNameByte)
    }

    /// Whether a byte may appear in node and cluster names.
    public static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    public static func < (lhs: NodeId, rhs: NodeId) -> Bool { lhs.name < rhs.name }

    public var description: String { name }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard Self.isValid(name) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "invalid node name")
        }
        self.name = name
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
