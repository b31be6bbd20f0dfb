import FabricCore
import Testing
@testable import MembershipCore

/// SWIM §4.2's precedence between updates about one process (node and generation), with the
/// terminal states added: every cell of the table in `Member.overrides`' doc comment.
@Suite struct PrecedenceTests {
    static func m(_ status: MemberStatus, _ incarnation: UInt64) -> Member { Fixture.member("x", status, incarnation) }

    /// alive(i) beats suspect/unreachable/alive(j) iff i > j (only the member raises it: a refutation).
    @Test func aliveNeedsAHigherIncarnation() {
        for current in [MemberStatus.alive, .suspect, .unreachable] {
            #expect(Self.m(.alive, 4).overrides(Self.m(current, 3)))
            #expect(!Self.m(.alive, 3).overrides(Self.m(current, 3)))
            #expect(!Self.m(.alive, 2).overrides(Self.m(current, 3)))
        }
    }

    /// suspect(i) beats alive(j) iff i ≥ j, suspect(j) and unreachable(j) iff i > j.
    @Test func suspectBeatsAliveAtTheSameIncarnation() {
        #expect(Self.m(.suspect, 3).overrides(Self.m(.alive, 3)))
        #expect(Self.m(.suspect, 4).overrides(Self.m(.alive, 3)))
        #expect(!Self.m(.suspect, 2).overrides(Self.m(.alive, 3)))
        #expect(Self.m(.suspect, 4).overrides(Self.m(.suspect, 3)))
        #expect(!Self.m(.suspect, 3).overrides(Self.m(.suspect, 3)))
        #expect(Self.m(.suspect, 4).overrides(Self.m(.unreachable, 3)))
        #expect(!Self.m(.suspect, 3).overrides(Self.m(.unreachable, 3)))
    }

    /// unreachable(i) beats alive/suspect(j) iff i ≥ j, unreachable(j) iff i > j.
    @Test func unreachableBeatsSuspicionAtTheSameIncarnation() {
        #expect(Self.m(.unreachable, 3).overrides(Self.m(.alive, 3)))
        #expect(Self.m(.unreachable, 3).overrides(Self.m(.suspect, 3)))
        #expect(!Self.m(.unreachable, 2).overrides(Self.m(.suspect, 3)))
        #expect(!Self.m(.unreachable, 2).overrides(Self.m(.alive, 3)))
        #expect(!Self.m(.unreachable, 3).overrides(Self.m(.unreachable, 3)))
        #expect(Self.m(.unreachable, 4).overrides(Self.m(.unreachable, 3)))
    }

    /// down and left beat everything at any incarnation and nothing beats them (terminal).
    @Test func downAndLeftAreTerminal() {
        for terminal in [MemberStatus.down, .left] {
            for other in [MemberStatus.alive, .suspect, .unreachable] {
                #expect(Self.m(terminal, 0).overrides(Self.m(other, 9)))
                #expect(!Self.m(other, 99).overrides(Self.m(terminal, 0)))
            }
            #expect(!Self.m(.down, 5).overrides(Self.m(terminal, 0)))
            #expect(!Self.m(.left, 5).overrides(Self.m(terminal, 0)))
        }
    }

    /// Merged into a view, an update that loses is counted stale and changes nothing.
    @Test func aLosingUpdateLeavesTheViewAlone() {
        var core = Fixture.core("a", knowing: ["b"])
        var random = SeededRandom(seed: 1)
        _ = core.onMessage(
            .gossip(Fixture.header(from: Fixture.member("c"), gossip: [Fixture.update(Fixture.member("b", .alive, 3), by: "c")])),
            now: Fixture.start, random: &random)
        let stale = core.counters.updatesStale
        _ = core.onMessage(
            .gossip(Fixture.header(from: Fixture.member("c"), gossip: [Fixture.update(Fixture.member("b", .suspect, 2), by: "c")])),
            now: Fixture.start, random: &random)
        #expect(core.member(Fixture.node("b"))?.status == .alive)
        #expect(core.member(Fixture.node("b"))?.incarnation == 3)
        #expect(core.counters.updatesStale == stale + 1)
    }
}
