import Fabric
import Foundation
import Testing

/// The public API as an application meets it with `import Fabric` alone (no `@testable`, no
/// other module): the types it is handed are all reachable, bad names and addresses are typed
/// errors, and a configuration cannot become a client by a typo. (Issue 14, "Public API
/// corners".)
@Suite struct PublicAPITests {
    @Test func aTypoInTheListenAddressThrowsInsteadOfMakingAClient() {
        #expect {
            _ = try FabricNodeConfiguration(name: NodeId("a"), listen: NodeAddress(parsing: "127.0.0.1:700l"))
        } throws: { error in
            (error as? FabricError)?.code == .invalidArgument
                && (error as? FabricError)?.message.contains("\"700l\" is not a number") == true
        }
    }

    @Test func onlyTheClientFactoryMakesAConfigurationThatDoesNotListen() throws {
        let listening = FabricNodeConfiguration(name: try NodeId("a"), listen: try NodeAddress(parsing: "127.0.0.1:0"))
        #expect(listening.listen == (try NodeAddress(host: "127.0.0.1", port: 0)))
        let client = FabricNodeConfiguration.client(name: try NodeId("c"), seeds: [try NodeAddress(parsing: "[::1]:7")])
        #expect(client.listen == nil)
        #expect(client.seeds.map(\.description) == ["[::1]:7"])
    }

    @Test func anInvalidClusterNameIsAnInvalidArgument() throws {
        var configuration = FabricNodeConfiguration.client(name: try NodeId("c"))
        configuration.cluster = "my cluster"
        configuration.loopCount = 1
        #expect { _ = try FabricNode(configuration) } throws: { error in
            (error as? FabricError)?.code == .invalidArgument
        }
    }

    @Test func aBadActorNameIsAnInvalidArgumentInMakeAndInWellKnown() async throws {
        var configuration = FabricNodeConfiguration.client(name: try NodeId("c"))
        configuration.loopCount = 1
        let node = try FabricNode(configuration)
        for name in ["", "a/b", "a b"] {
            #expect { try node.system.make(name: name) { Named(actorSystem: node.system) } } throws: { error in
                (error as? FabricError)?.code == .invalidArgument
            }
            #expect(throws: FabricError.self) { try ActorID.wellKnown(name, on: node.name) }
        }
        let made = try node.system.make(name: "named") { Named(actorSystem: node.system) }
        #expect(made.id == (try ActorID.wellKnown("named", on: node.name)).with(generation: node.generation))
        await node.leave()
    }

    /// Compiles only if the types `FabricNode.stats` hands out are reachable from `import Fabric`.
    @Test func statsTypesAreReachable() {
        let stats: PeerStats = PeerStats(bytesIn: 1, bytesOut: 2, framesIn: 3, framesOut: 4, errors: 0, reconnects: 0)
        #expect(stats.bytesOut == 2)
        let peers: KeyPath<NodeStats, [String: PeerStats]> = \.peers
        _ = peers
    }

    /// The README's example, with ephemeral ports instead of 7001 and 7002.
    @Test func theReadmeExampleRuns() async throws {
        let b = try FabricNode(FabricNodeConfiguration(name: NodeId("b"), listen: NodeAddress(parsing: "127.0.0.1:0")))
        try b.system.make(name: "greeter") { Greeter(actorSystem: b.system) }
        let seed = try #require(b.advertisedAddress)
        let a = try FabricNode(FabricNodeConfiguration(name: NodeId("a"), listen: NodeAddress(parsing: "127.0.0.1:0"),
                                                       seeds: [NodeAddress(parsing: seed.description)]))
        try await a.waitUntilConnected(to: NodeId("b"), timeout: .seconds(30))
        let greeter = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: a.system)
        #expect(try await withCallOptions(timeout: .seconds(30)) { try await greeter.greet("Ada") } == "Hello, Ada!")
        await a.leave()
        await b.leave()
    }

    @Test func theReadmeExampleForceUnwrapsNothing() throws {
        var root = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let swiftBlocks = readme.components(separatedBy: "```swift").dropFirst()
            .map { $0.components(separatedBy: "```")[0] }
        #expect(!swiftBlocks.isEmpty)
        for block in swiftBlocks {
            #expect(!block.contains("\")!"), "README example force-unwraps a parse: \(block)")
            #expect(!block.contains("try!"))
            #expect(!block.contains("listen: nil"))
        }
    }
}

distributed actor Greeter {
    typealias ActorSystem = FabricActorSystem
    distributed func greet(_ name: String) -> String { "Hello, \(name)!" }
}

distributed actor Named {
    typealias ActorSystem = FabricActorSystem
    distributed func ping() -> Bool { true }
}
