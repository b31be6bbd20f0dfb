import Fabric
import FabricTestKit
import Testing

/// Real `fabric node` processes on loopback: every pair calls each other; one is killed with
/// SIGKILL (calls to it fail with nodeUnreachable within their deadline while the others go on)
/// and restarted (calls succeed again).
@Suite(.serialized) struct MultiProcessTests {
    static func fabricBinary() throws -> String {
        try #require(ProcessCluster.locateExecutable(named: "fabric"), "build the `fabric` product first (swift build)")
    }

    /// A client node in this process, joined through `entry`.
    static func client(via entry: String) throws -> FabricNode {
        var configuration = FabricNodeConfiguration.client(
            name: try NodeId("test-client"), seeds: [try NodeAddress(parsing: entry)])
        configuration.loopCount = 1
        return try FabricNode(configuration)
    }

    /// Waits until the client has heard of every node in `names` (it dials them when it calls;
    /// knowing is not an event, so this polls, with a safety bound of 30 s).
    static func waitUntilKnown(_ client: FabricNode, _ names: [String]) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while clock.now < deadline {
            let known = Set(client.knownPeers.map(\.name.name))
            if names.allSatisfy(known.contains) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw FabricError.timeout("client never learned of \(names)")
    }

    @Test func everyPairCallsAndAKilledNodeFailsAsUnreachableThenRecovers() async throws {
        let names = ["alpha", "beta", "gamma"]
        let cluster = try ProcessCluster(executable: try Self.fabricBinary(), names: names)
        do {
            try await cluster.start()
            try await cluster.waitUntilConnected(timeout: .seconds(30))
            let client = try Self.client(via: cluster["alpha"].listenAddress)
            try await Self.waitUntilKnown(client, names)
            let echoes = Dictionary(uniqueKeysWithValues: try names.map { name in
                (name, try EchoActor.resolve(id: .wellKnown("echo", on: NodeId(name)), using: client.system))
            })

            // Every ordered pair: node X's process calls node Y's echo.
            for from in names {
                for to in names where to != from {
                    let answer = try await withCallOptions(timeout: .seconds(5)) {
                        try await echoes[from]!.relay("\(from)->\(to)", to: to)
                    }
                    #expect(answer == "\(from)->\(to) via \(to)")
                }
            }

            cluster["gamma"].kill()
            let clock = ContinuousClock()
            for from in ["alpha", "beta"] {
                // The lost connection ends the call (`nodeUnreachable`), not its 2 s deadline.
                do {
                    _ = try await withCallOptions(timeout: .seconds(2)) { try await echoes[from]!.relay("x", to: "gamma") }
                    Issue.record("\(from) reached gamma after SIGKILL")
                } catch let error as FabricError {
                    #expect(error.code == .nodeUnreachable || error.code == .remoteError && error.message.contains("nodeUnreachable"), "\(error)")
                }
                #expect(try await echoes[from]!.relay("still", to: from == "alpha" ? "beta" : "alpha") != "")
            }

            try await cluster["gamma"].restart()
            try await cluster.waitUntilConnected(timeout: .seconds(30))
            var recovered = false
            let deadline = clock.now + .seconds(15)
            while clock.now < deadline, !recovered {
                recovered = (try? await withCallOptions(timeout: .seconds(1)) { try await echoes["alpha"]!.relay("back", to: "gamma") }) == "back via gamma"
                if !recovered { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(recovered, "alpha could not call the restarted gamma")
            #expect(try await withCallOptions(timeout: .seconds(5)) { try await echoes["gamma"]!.echo("hi") } == "hi")
            await client.leave()
        } catch {
            Issue.record("\(error)\n\(cluster.logsOnFailure())")
        }
        await cluster.shutdown()
    }
}

