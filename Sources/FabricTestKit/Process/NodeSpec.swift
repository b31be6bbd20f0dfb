/// What a node's command line may be built from: its name and its fixed loopback port.
///
/// `NodeArguments` receives one for the node being started and one for each of its running
/// peers, so seeds can be derived from the peers' listen addresses.
public struct NodeSpec: Hashable, Sendable {
    /// The node's name, unique in its cluster.
    public let name: String
    /// The loopback port the node listens on; it stays the same across restarts.
    public let port: UInt16

    /// Makes a spec; the cluster makes these for you.
    public init(name: String, port: UInt16) {
        self.name = name
        self.port = port
    }

    /// Where the node listens: `127.0.0.1:PORT`.
    public var listenAddress: String { "127.0.0.1:\(port)" }
}
