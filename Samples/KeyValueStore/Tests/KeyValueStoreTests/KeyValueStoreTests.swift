import Fabric
import FabricTestKit
import KeyValueStore
import Testing

/// The sample's own scenarios: in one process over loopback, and as real `kv-node` processes.
@Suite(.serialized) struct KeyValueStoreTests {
    @Test func storesOnAnotherNodeInProcess() async throws {
        let cluster = try await LocalCluster.start(names: ["one", "two"])
        for node in cluster.nodes { registerStoreErrors(on: node.system) }
        let two = cluster["two"].system
        try two.make(name: "store") { Store(actorSystem: two) }
        let store = try Store.resolve(id: .wellKnown("store", on: NodeId("two")), using: cluster["one"].system)
        let first = try await store.put(Write(key: "a", value: "1"))
        #expect(first == Entry(key: "a", value: "1", version: 1))
        _ = try await store.put(Write(key: "ab", value: "2"))
        #expect(try await store.keys() == ["a", "ab"])
        #expect(try await store.scan(prefix: "a").count == 2)
        await #expect(throws: StoreError.keyNotFound("zzz")) { try await store.get("zzz") }
        await #expect(throws: StoreError.versionConflict(key: "a", expected: 7, actual: 1)) {
            try await store.put(Write(key: "a", value: "x", expectedVersion: 7))
        }
        // A reader that knows only the protocol, remote and local.
        for system in [cluster["one"].system, two] {
            let reader: any KeyValueReading = try $KeyValueReading.resolve(id: .wellKnown("store", on: NodeId("two")), using: system)
            #expect(try await reader.get("a").version == 1)
            #expect(try await reader.keys() == ["a", "ab"])
            await #expect(throws: StoreError.keyNotFound("zzz")) { try await reader.get("zzz") }
        }
        await cluster.shutdown()
    }

    @Test func threeProcessesSurviveAKilledNode() async throws {
        let binary = try #require(ProcessCluster.locateExecutable(named: "kv-node"), "build kv-node first")
        let cluster = try ProcessCluster(
            executable: binary, names: ["kv1", "kv2", "kv3"],
            arguments: .template(["--name", "{name}", "--listen", "{listen}"]))
        do {
            try await cluster.start()
            try await cluster.waitUntilConnected(timeout: .seconds(30))
            var configuration = FabricNodeConfiguration.client(
                name: try NodeId("kv-client"), seeds: [try NodeAddress(parsing: cluster["kv1"].listenAddress)])
            configuration.loopCount = 1
            let client = try FabricNode(configuration)
            registerStoreErrors(on: client.system)
            // The client dials the nodes it has heard of when it calls them; hearing of them is
            // not an event, so this polls (30 s is a safety bound, not a timing).
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(30)
            while Set(client.knownPeers.map(\.name.name)) != ["kv1", "kv2", "kv3"], clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            for name in ["kv1", "kv2", "kv3"] {
                let store = try Store.resolve(id: .wellKnown("store", on: NodeId(name)), using: client.system)
                #expect(try await store.put(Write(key: "owner", value: name)).version == 1)
            }
            await #expect(throws: StoreError.keyNotFound("nothing")) {
                try await Store.resolve(id: .wellKnown("store", on: NodeId("kv2")), using: client.system).get("nothing")
            }
            cluster["kv3"].kill()
            let dead = try Store.resolve(id: .wellKnown("store", on: NodeId("kv3")), using: client.system)
            do {
                _ = try await withCallOptions(timeout: .seconds(2)) { try await dead.keys() }
                Issue.record("kv3 answered after SIGKILL")
            } catch let error as FabricError {
                #expect(error.code == .nodeUnreachable || error.code == .timeout)
            }
            let alive = try Store.resolve(id: .wellKnown("store", on: NodeId("kv1")), using: client.system)
            #expect(try await alive.get("owner").value == "kv1")
            let reader: any KeyValueReading = try $KeyValueReading.resolve(
                id: .wellKnown("store", on: NodeId("kv2")), using: client.system)
            #expect(try await reader.get("owner").value == "kv2")
            await client.leave()
        } catch {
            Issue.record("\(error)\n\(cluster.logsOnFailure())")
        }
        await cluster.shutdown()
    }
}
