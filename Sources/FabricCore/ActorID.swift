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

    /// Makes an ID, or throws `invalidArgument` when `path` is not valid (see `isValidPath(_:)`).
    public init(node: NodeId, generation: UInt64, path: String) throws(FabricError) {
        if let reason = Self.pathInvalidity(path) {
            throw .invalidArgument("invalid actor path \(path.debugDescription): \(reason)")
        }
        self.init(node, generation, checkedPath: path)
    }

    /// Makes an ID from an untrusted path, or nil when the path is not valid (the wire decoders
    /// use it: no message is built for a hostile peer's bytes).
    public init?(node: NodeId, generation: UInt64, validatingPath path: String) {
        guard Self.isValidPath(path) else { return nil }
        self.init(node, generation, checkedPath: path)
    }

    /// Makes an ID from a path this package built or already checked; an invalid one is a bug
    /// here, so it traps with the path.
    package init(node: NodeId, generation: UInt64, uncheckedPath path: String) {
        precondition(Self.isValidPath(path), "invalid actor path \(path.debugDescription)")
        self.init(node, generation, checkedPath: path)
    }

    /// The memberwise initialiser, for a path that was just checked (checked once: this runs
    /// for every ID read from the wire).
    private init(_ node: NodeId, _ generation: UInt64, checkedPath path: String) {
        self.node = node
        self.generation = generation
        self.path = path
    }

    /// The well-known ID of the user actor called `name` on `node`: `/user/<name>` at any
    /// generation, the ID `FabricActorSystem.make(name:_:)` gives the actor it makes.
    ///
    /// Throws `invalidArgument` when `name` is not one path segment (empty, a `/`, a space or
    /// a byte outside printable ASCII, or too long), the same rule `make(name:_:)` applies.
    public static func wellKnown(_ name: String, on node: NodeId) throws(FabricError) -> ActorID {
        if let reason = wellKnownNameInvalidity(name) {
            throw .invalidArgument("invalid actor name \(name.debugDescription): \(reason)")
        }
        return ActorID(node, anyGeneration, checkedPath: wellKnownPrefix + name)
    }

    /// The path prefix of user actors made with a name.
    package static let wellKnownPrefix = "/user/"

    /// The path prefix of the node's own actors (membership, health, Raft).
    package static let systemPrefix = "/system/"

    /// The ID of the node's own actor `name` (`swim`, `health`) on `node`, at any generation.
    package static func system(_ name: String, on node: NodeId) -> ActorID {
        let path = systemPrefix + name
        precondition(isValidPath(path), "invalid system actor path \(path)")
        return ActorID(node, anyGeneration, checkedPath: path)
    }

    /// Why `name` cannot name a well-known user actor, or nil when it can.
    package static func wellKnownNameInvalidity(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.utf8.contains(UInt8(ascii: "/")) { return "it contains \"/\" (a name is one path segment)" }
        return pathInvalidity(wellKnownPrefix + name)
    }

    /// This ID with the generation replaced.
    public func with(generation: UInt64) -> ActorID {
        ActorID(node, generation, checkedPath: path)
    }

    /// Why `path` is not a valid actor path, or nil when it is.
    static func pathInvalidity(_ path: String) -> String? {
        let bytes = path.utf8
        if bytes.count > Limits.actorPathBytesMax {
            return "it has \(bytes.count) bytes, more than the \(Limits.actorPathBytesMax) allowed"
        }
        if bytes.first != UInt8(ascii: "/") { return "it does not start with \"/\"" }
        if bytes.count < 2 { return "it has no segment" }
        if bytes.last == UInt8(ascii: "/") { return "it ends with \"/\"" }
        if let bad = path.unicodeScalars.first(where: { $0.value <= 0x20 || $0.value >= 0x7F }) {
            return "\(String(bad).debugDescription) is not allowed (only printable ASCII, no spaces)"
        }
        if path.contains("//") { return "it has an empty segment (\"//\")" }
        return isValidPath(path) ? nil : "it is not an absolute path of non-empty segments"
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

    /// `node/path`, or `node@generation/path` (generation in hex) for a specific process.
    public var description: String {
        generation == Self.anyGeneration
            ? "\(node)\(path)" : "\(node)@\(String(generation, radix: 16))\(path)"
    }

    private enum CodingKeys: String, CodingKey { case node, generation, path }

    /// Decodes node, generation and path, failing with `dataCorrupted` on an invalid path.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let node = try container.decode(NodeId.self, forKey: .node)
        let generation = try container.decode(UInt64.self, forKey: .generation)
        let path = try container.decode(String.self, forKey: .path)
        guard Self.isValidPath(path) else {
            throw DecodingError.dataCorruptedError(
                forKey: .path, in: container, debugDescription: "invalid actor path")
        }
        self.init(node, generation, checkedPath: path)
    }
}
