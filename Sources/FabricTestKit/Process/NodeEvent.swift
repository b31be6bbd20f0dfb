/// A line of a node's log that the harness understands (the node process contract).
///
/// Nodes print these one per line, anywhere in a line (after a timestamp or a log prefix is
/// fine), to stdout or stderr:
///
///     fabric-event ready node=NAME listen=HOST:PORT generation=HEX
///     fabric-event peer-up node=NAME
///     fabric-event peer-down node=NAME
///     fabric-event member node=NAME status=STATUS generation=HEX
///
/// The `fabric` CLI prints them with `line`, so the format lives in one place. Unknown kinds and
/// lines with missing or malformed fields are not events: a node may add kinds later without
/// breaking an older harness.
package enum NodeEvent: Hashable, Sendable {
    /// The node listens and is ready for peers; `generation` names this process's life.
    case ready(node: String, listen: String, generation: String)
    /// The node sees the named peer as up (connected and alive).
    case peerUp(node: String)
    /// The node no longer sees the named peer.
    case peerDown(node: String)
    /// The node's membership changed its view of the named member: `status` is a membership
    /// event's kind (`joined`, `up`, `suspect`, `unreachable`, `reachable`, `down`, `left`,
    /// `removed`), `generation` the member's process generation.
    case member(node: String, status: String, generation: String)

    /// What every event line holds before its kind.
    package static let marker = "fabric-event "

    /// The line a node prints for this event.
    package var line: String {
        switch self {
        case .ready(let node, let listen, let generation):
            "\(Self.marker)ready node=\(node) listen=\(listen) generation=\(generation)"
        case .peerUp(let node):
            "\(Self.marker)peer-up node=\(node)"
        case .peerDown(let node):
            "\(Self.marker)peer-down node=\(node)"
        case .member(let node, let status, let generation):
            "\(Self.marker)member node=\(node) status=\(status) generation=\(generation)"
        }
    }

    /// The event in `line`, or nil if the line holds none.
    package init?(line: some StringProtocol) {
        guard let markerRange = line.range(of: Self.marker) else { return nil }
        let words = line[markerRange.upperBound...].split(whereSeparator: \.isWhitespace)
        guard let kind = words.first else { return nil }
        let fields = Self.fields(words.dropFirst())
        guard let node = fields["node"] else { return nil }
        switch kind {
        case "ready":
            guard let listen = fields["listen"], let generation = fields["generation"],
                  Self.isHex(generation) else { return nil }
            self = .ready(node: node, listen: listen, generation: generation)
        case "peer-up":
            self = .peerUp(node: node)
        case "peer-down":
            self = .peerDown(node: node)
        case "member":
            guard let status = fields["status"], let generation = fields["generation"], Self.isHex(generation)
            else { return nil }
            self = .member(node: node, status: status, generation: generation)
        default:
            return nil
        }
    }

    /// `key=value` words as a dictionary; words without `=` or with an empty value are skipped,
    /// the first occurrence of a key wins.
    private static func fields(_ words: some Sequence<some StringProtocol>) -> [String: String] {
        var fields: [String: String] = [:]
        for word in words {
            guard let equals = word.firstIndex(of: "=") else { continue }
            let key = String(word[..<equals])
            let value = String(word[word.index(after: equals)...])
            if !key.isEmpty, !value.isEmpty, fields[key] == nil { fields[key] = value }
        }
        return fields
    }

    /// Whether `text` is hexadecimal digits only.
    private static func isHex(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit }
    }
}
