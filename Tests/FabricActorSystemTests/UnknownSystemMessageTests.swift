import Testing
import FabricTestKit
@testable import Fabric
@testable import FabricActorSystem
import FabricTransport

/// Two nodes of this version agree to skip system messages of unknown kinds: one a newer node
/// might send is skipped and counted, and the connection goes on serving calls. (Without the
/// capability this closed the connection: `FabricTransportTests.UnknownSystemMessageTests`.)
@Suite(.serialized) struct UnknownSystemMessageTests {
    @Test func anAgreedUnknownKindIsSkippedAndCounted() async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"])
        do {
            let b = cluster["b"].system
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let connection = try cluster["a"].system.transport.connection(to: NodeId("b"))
            for tag: UInt8 in [5, 99, 255] {
                try connection.send(OutboundMessage(kind: .system, priority: 3, messageID: 0, payload: [tag, 0xAB, 0xCD]))
            }
            // Sent after them on the same connection (and system frames go first): when its
            // answer is back, b has read the three.
            let remote = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: cluster["a"].system)
            #expect(try await remote.greet(Greeting(name: "Ada", times: 1)) == ["hello Ada"])
            let stats = cluster["b"].stats
            #expect(stats.unknownSystemMessagesSkipped == 3)
            #expect(stats.protocolErrors == 0)
            #expect(cluster["a"].connectedPeers.map(\.name.name) == ["b"])
        } catch {
            await cluster.shutdown()
            throw error
        }
        await cluster.shutdown()
    }
}
