import Foundation

/// How a node's command line is built each time it starts.
///
/// The result goes through placeholder substitution: `{name}`, `{listen}` (`127.0.0.1:PORT`) and
/// `{port}` are replaced by the started node's values (in the cluster's environment values too).
/// Seeds come from the *running peers* at the moment of the start: the nodes of the cluster that
/// are alive then, so a cluster started in order gives the first node no seeds, the second the
/// first, and a restarted node every surviving member.
///
/// ```swift
/// // `fabric node --name a --listen 127.0.0.1:PORT --seed 127.0.0.1:OTHER ...` (the default)
/// let cluster = try ProcessCluster(executable: fabric, names: ["a", "b", "c"])
/// // Your own executable, placeholders and seeds as repeated `--join` flags:
/// let arguments = NodeArguments.template(["serve", "--id", "{name}", "--port", "{port}"],
///                                        seedFlag: "--join")
/// // Full control:
/// let custom = NodeArguments { node, peers in
///     ["--name", node.name, "--peers", peers.map(\.listenAddress).joined(separator: ",")]
/// }
/// ```
public struct NodeArguments: Sendable {
    private let build: @Sendable (_ node: NodeSpec, _ runningPeers: [NodeSpec]) -> [String]

    /// Arguments computed by `build` from the node and its running peers.
    public init(_ build: @escaping @Sendable (_ node: NodeSpec, _ runningPeers: [NodeSpec]) -> [String]) {
        self.build = build
    }

    /// `template` with placeholders substituted, followed by `seedFlag ADDRESS` for every running
    /// peer (no seeds when `seedFlag` is nil).
    public static func template(_ template: [String], seedFlag: String? = "--seed") -> NodeArguments {
        NodeArguments { _, runningPeers in
            guard let seedFlag else { return template }
            return template + runningPeers.flatMap { [seedFlag, $0.listenAddress] }
        }
    }

    /// The `fabric` CLI's node command:
    /// `node --name NAME --listen 127.0.0.1:PORT [--seed HOST:PORT]...`.
    public static let fabricNode = template(["node", "--name", "{name}", "--listen", "{listen}"])

    /// The command line for `node` given its running peers, placeholders substituted.
    func arguments(for node: NodeSpec, runningPeers: [NodeSpec]) -> [String] {
        build(node, runningPeers).map { Self.substitute(node, in: $0) }
    }

    /// `text` with `{name}`, `{listen}` and `{port}` replaced by `node`'s values.
    static func substitute(_ node: NodeSpec, in text: String) -> String {
        text.replacingOccurrences(of: "{name}", with: node.name)
            .replacingOccurrences(of: "{listen}", with: node.listenAddress)
            .replacingOccurrences(of: "{port}", with: String(node.port))
    }
}
