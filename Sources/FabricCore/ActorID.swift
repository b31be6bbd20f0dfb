/// The identity of a distributed actor: the node it lives on, that node's process generation
/// and a path.
///
/// The generation is drawn at random when a process starts and never changes while it runs, so
/// an ID minted by a process that has since restarted is recognisably stale (`nodeDown`).
/// Generation `0` means "whatever process currently runs the node": together with a well-known
/// path (`/user/echo`, `/system/swim`) it addresses an actor by `NodeId` alone (DESIGN.md §4).
public struct ActorID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The node that hosts the actor.
    public let node: NodeId
    /// The hosting process's generation, or `ActorID.anyGeneration`.
    public let generation: UInt64
    /// Where the actor lives on its node, for example `/user/echo` or `/temp/17`.
    public let path: String

    /// The generation that matches whatever process currently runs a node.
    public static let anyGeneration: UInt64 = 0

    /// Makes an ID from parts already known to be valid; `init(node:generation:validatingPath:)`
    /// takes a path from outside.
    public init(node: NodeId, generation: UInt64, path: String) {
        precondition(Self.isValidPath(path), "invalid actor path \(path.debugDescription)")
        self.node = node
        self.generation = generation
        self.path = path
    }

    /// Makes an ID from an untrusted path, or nil when the path is not valid.
    public init?(node: NodeId, generation: UInt64, validatingPath path: String) {
        guard Self.isValidPath(path) else { return nil }
        self.node = node
        self.generation = generation
        self.path = path
    }

    /// The well-known ID of the user actor called `name` on `node`: `/user/<name>` at any generation.
    public static func wellKnown(_ name: String, on node: NodeId) -> ActorID {
        ActorID(node: node, generation: anyGeneration, path: "/user/" + name)
    }

    /// This ID with the generation replaced.
    public func with(generation: UInt64) -> ActorID {
        ActorID(node: node, generation: generation, path: path)
    }

    /// Whether `path` is an absolute path of printable ASCII without spaces, at most
    /// `Limits.actorPathBytesMax` bytes, made of non-empty segments.
    public static func isValidPath(_ path: String) -> Bool {
        let bytes = path.utf8  // no copy: this runs for every path read from the wire
        guard bytes.count >= 2, bytes.count <= Limits.actorPathBytesMax, bytes.first == UInt8(ascii: "/"),
            bytes.last != UInt8(ascii: "/")
        else { return false }
        var previous: UInt8 = 0
        for byte in bytes {
            guard byte > 0x20, byte < 0x7F else { return false }
            if byte == UInt8(ascii: "/"), previous == UInt8(ascii: "/") { return false }
            previous = byte
        }
        return true
    }

    public var description: String {
        generation == Self.anyGeneration
            ? "\(node)\(path)" : "\(node)@\(String(generation, radix: 16))\(path)"
    }

    private enum CodingKeys: String, CodingKey { case node, generation, path }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let node = try container.decode(NodeId.self, forKey: .node)
        let generation = try container.decode(UInt64.self, forKey: .generation)
        let path = try container.decode(String.self, forKey: .path)
        guard Self.isValidPath(path) else {
            throw DecodingError.dataCorruptedError(
                forKey: .path, in: container, debugDescription: "invalid actor path")
        }
        self.init(node: node, generation: generation, path: path)
    }
}
