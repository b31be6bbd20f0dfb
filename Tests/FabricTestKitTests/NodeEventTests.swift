import Testing
@testable import FabricTestKit

@Suite struct NodeEventTests {
    @Test func parsesReadyAnywhereInALine() {
        let line = "12:00:01 INFO [main] fabric-event ready node=a listen=127.0.0.1:7001 generation=9f3c\r"
        #expect(NodeEvent(line: line) == .ready(node: "a", listen: "127.0.0.1:7001", generation: "9f3c"))
    }

    @Test func parsesPeerEvents() {
        #expect(NodeEvent(line: "fabric-event peer-up node=b") == .peerUp(node: "b"))
        #expect(NodeEvent(line: "x fabric-event peer-down node=c extra=1") == .peerDown(node: "c"))
    }

    @Test func parsesMemberEvents() {
        #expect(NodeEvent(line: "[a] fabric-event member node=b status=down generation=1f")
            == .member(node: "b", status: "down", generation: "1f"))
        #expect(NodeEvent(line: "fabric-event member node=b status=down") == nil, "no generation")
        #expect(NodeEvent(line: "fabric-event member node=b generation=1f") == nil, "no status")
        #expect(NodeEvent(line: "fabric-event member node=b status=up generation=zz") == nil, "generation not hex")
    }

    @Test func fieldOrderDoesNotMatter() {
        let line = "fabric-event ready generation=AB listen=127.0.0.1:1 node=z"
        #expect(NodeEvent(line: line) == .ready(node: "z", listen: "127.0.0.1:1", generation: "AB"))
    }

    @Test func rejectsMalformedLines() {
        #expect(NodeEvent(line: "") == nil)
        #expect(NodeEvent(line: "ready node=a listen=x generation=1") == nil)
        #expect(NodeEvent(line: "fabric-event") == nil)
        #expect(NodeEvent(line: "fabric-event ") == nil)
        #expect(NodeEvent(line: "fabric-event peer-up") == nil)
        #expect(NodeEvent(line: "fabric-event peer-up node=") == nil)
        #expect(NodeEvent(line: "fabric-event peer-up nodeb") == nil)
        #expect(NodeEvent(line: "fabric-event ready node=a listen=127.0.0.1:1") == nil)
        #expect(NodeEvent(line: "fabric-event ready node=a listen=127.0.0.1:1 generation=xyz") == nil)
        #expect(NodeEvent(line: "fabric-event reboot node=a") == nil)
        #expect(NodeEvent(line: "fabric-eventready node=a") == nil)
    }

    @Test func printsWhatItParses() {
        let events: [NodeEvent] = [
            .ready(node: "n1", listen: "127.0.0.1:9", generation: "00ff"), .peerUp(node: "n2"),
            .peerDown(node: "n3"), .member(node: "n4", status: "unreachable", generation: "a1"),
        ]
        for event in events {
            #expect(NodeEvent(line: event.line) == event)
        }
        #expect(NodeEvent.peerUp(node: "b").line == "fabric-event peer-up node=b")
    }
}
