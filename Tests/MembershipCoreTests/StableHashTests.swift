import FabricCore
import Testing
@testable import MembershipCore

/// Hashes that must agree between processes, and the logarithms the timeouts use.
@Suite struct StableHashTests {
    /// FNV-1a 64 known answers (the published test vectors).
    @Test func fnv1aKnownAnswers() {
        #expect(StableHash.of("") == 0xCBF2_9CE4_8422_2325)
        #expect(StableHash.of("a") == 0xAF63_DC4C_8601_EC8C)
        #expect(StableHash.of("foobar") == 0x8594_4171_F739_67E8)
    }

    /// A member's hash depends on each of name, generation, incarnation and status.
    @Test func memberHashCoversEveryField() {
        let base = Fixture.member("b", .alive, 1, generation: 1)
        var other = base
        other.incarnation = 2
        #expect(StableHash.of(base) != StableHash.of(other))
        other = base
        other.status = .suspect
        #expect(StableHash.of(base) != StableHash.of(other))
        other = Fixture.member("b", .alive, 1, generation: 2)
        #expect(StableHash.of(base) != StableHash.of(other))
        other = Fixture.member("c", .alive, 1, generation: 1)
        #expect(StableHash.of(base) != StableHash.of(other))
    }

    @Test func logarithms() {
        #expect(abs(StableMath.naturalLog(1) - 0) < 1e-12)
        #expect(abs(StableMath.naturalLog(2) - 0.693_147_180_559_945) < 1e-12)
        #expect(abs(StableMath.naturalLog(10) - 2.302_585_092_994_046) < 1e-12)
        #expect(abs(StableMath.log10(1000) - 3) < 1e-12)
        #expect(abs(StableMath.log10(5) - 0.698_970_004_336_019) < 1e-12)
        #expect([1, 2, 9, 10, 11, 100, 101, 1001].map(StableMath.ceilLog10) == [0, 1, 1, 1, 2, 2, 3, 4])
    }
}
