import FabricCore
import FabricSimulation
import MembershipCore
import Testing

/// The SWIM checkers themselves: each flags what it must and excuses what it must.
@Suite struct SWIMInvariantTests {
    func cluster(_ members: Int = 3) -> Simulation<SWIMSimulatedNode> {
        SWIMCluster.simulation(seed: 1, members: members, configuration: .test)
    }

    func event(_ kind: MembershipEvent.Kind, _ index: Int, generation: Int = 0, incarnation: UInt64 = 0) -> MembershipEvent {
        MembershipEvent(kind: kind, member: Member(
            identity: SWIMCluster.identity(index, generation: generation), status: .alive, incarnation: incarnation))
    }

    @Test func aDeclarationAboutAMemberWithNoFaultIsFlagged() throws {
        let simulation = cluster()
        try simulation.run(for: .seconds(2))
        let invariant = SWIMNoFalseDeclaration(window: .seconds(5))
        let message = invariant.observe(event(.unreachable, 1), from: SWIMCluster.member(0), in: simulation.view)
        #expect(message?.contains("m0 declared m1") == true)
        // An old generation's `down` (the core says it when a restarted member replaces it) is no false positive.
        #expect(invariant.observe(event(.down, 1, generation: 7), from: SWIMCluster.member(0), in: simulation.view) == nil)
        #expect(invariant.observe(event(.suspect, 1), from: SWIMCluster.member(0), in: simulation.view) == nil)
    }

    @Test func aDeclarationIsExcusedOnlyWithinTheWindowAfterAFault() throws {
        let simulation = cluster()
        let invariant = SWIMNoFalseDeclaration(window: .seconds(5))
        let about2 = event(.unreachable, 2), observer = SWIMCluster.member(0)
        simulation.at(.seconds(1)) { $0.pause(SWIMCluster.member(2)) }
        simulation.at(.seconds(2)) { $0.resume(SWIMCluster.member(2)) }
        try simulation.run(for: .milliseconds(1500))
        #expect(invariant.observe(about2, from: observer, in: simulation.view) == nil, "paused: not live")
        try simulation.run(until: .zero + .seconds(6))
        #expect(invariant.observe(about2, from: observer, in: simulation.view) == nil, "4 s after the resume: excused")
        // A third party's fault excuses too: m2's rumours about m1 (see the type's note).
        #expect(invariant.observe(event(.unreachable, 1), from: observer, in: simulation.view) == nil)
        try simulation.run(until: .zero + .milliseconds(7100))
        #expect(invariant.observe(about2, from: observer, in: simulation.view) != nil, "5.1 s after: flagged")
        #expect(invariant.observe(event(.unreachable, 1), from: observer, in: simulation.view) != nil)
    }

    @Test func anIncarnationThatGoesBackIsFlagged() throws {
        let simulation = cluster()
        try simulation.run(for: .seconds(1))
        var invariant = SWIMIncarnationsGrow()
        let observer = SWIMCluster.member(0)
        #expect(invariant.observe(event(.suspect, 1, incarnation: 3), from: observer, in: simulation.view) == nil)
        #expect(invariant.observe(event(.reachable, 1, incarnation: 4), from: observer, in: simulation.view) == nil)
        #expect(invariant.observe(event(.joined, 1, generation: 1, incarnation: 0), from: observer, in: simulation.view) == nil,
                "a new generation starts again")
        #expect(invariant.observe(event(.suspect, 1, generation: 1, incarnation: 2), from: observer, in: simulation.view) == nil)
        let message = invariant.observe(event(.suspect, 1, generation: 1, incarnation: 1), from: observer, in: simulation.view)
        #expect(message?.contains("incarnation 2 back to 1") == true)
        #expect(invariant.check(simulation.view) == nil, "the real views never go back")
    }

    @Test func aDeadMemberStillHeldAliveAfterTheBoundIsFlagged() throws {
        let simulation = cluster(4)
        try simulation.run(for: .seconds(3))
        simulation.crash(SWIMCluster.member(3))
        let invariant = SWIMDeadMemberDetected(bound: .milliseconds(500))
        try simulation.run(for: .milliseconds(300))
        #expect(invariant.check(simulation.view) == nil, "within the bound")
        try simulation.run(for: .milliseconds(300))
        // The test profile's shortest suspicion is 0.8 s: 0.6 s after the crash the others still hold it.
        #expect(invariant.check(simulation.view)?.contains("still holds m3") == true)
        try simulation.run(for: .seconds(8))
        #expect(invariant.check(simulation.view) == nil, "detected by all 8.6 s later")
    }

    @Test func convergenceIsFlaggedWhileAViewMissesAMember() throws {
        let simulation = cluster(4)
        let invariant = SWIMMembershipConverges()
        try simulation.run(for: .milliseconds(1))
        #expect(invariant.finish(simulation.view)?.contains("views differ") == true)
        try simulation.run(for: .seconds(10))
        #expect(invariant.finish(simulation.view) == nil)
    }
}
