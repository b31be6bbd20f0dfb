import Fabric
import FabricTestKit
import Testing

/// Membership and the heartbeat monitor in one process (three nodes over loopback, the test
/// profile): the facade's `members()`, `health(of:)` and membership events.
@Suite struct MembershipInProcessTests {
    /// Polls `check` every 50 ms until it holds, up to `bound` (a safety bound: membership's
    /// own timers set the pace, and its events are not what is being waited for here).
    static func eventually(within bound: Duration = .seconds(30), _ check: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + bound
        while ContinuousClock.now < deadline {
            if await check() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await check()
    }

    @Test func membersHealthAndALeave() async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b", "c"]) { $0.membership = .test }
        try await cluster.shuttingDown {
            let a = cluster["a"]
            let allAlive = await Self.eventually {
                let table = await a.members()
                return table.count == 3 && table.allSatisfy { $0.status == .alive }
            }
            let table = await a.members()
            #expect(allAlive, "a never saw three alive members: \(table)")
            // Heartbeats every second: b's phi is measured, low, and b scores high.
            let b = try NodeId("b")
            let healthy = await Self.eventually {
                guard let health = await a.health(of: b), let phi = health.member.phi else { return false }
                return health.isAvailable == true && phi < 1 && health.score >= 90
            }
            let bHealth = await a.health(of: b)
            #expect(healthy, "b's heartbeats never made it healthy: \(String(describing: bHealth))")
            #expect(await a.health(of: try NodeId("nobody")) == nil)
            let events = a.events
            await cluster["c"].leave()
            var sawLeft = false
            for try await event in events where event.node.name == "c" && event.kind == .left {
                sawLeft = true
                break
            }
            #expect(sawLeft)
            let c = await a.health(of: try NodeId("c"))
            #expect(c?.member.status == .left)
            #expect(c?.score == 0)
        }
    }
}
