using MlNetConv.Neocognitron;

namespace MlNetConv.Tests.Neocognitron;

/// <summary>Add-if-silent seeding and winner-take-all reinforcement, on stimuli small enough to follow by hand.</summary>
public sealed class CompetitiveLearningTests
{
    private const float Q = 10f;

    // One input plane of 4 × 4, kernel 1 (c = [1]), so a window is one value and v = |u|.
    private static CompetitiveLearning Learner(int maxPlanes = 4) => new(1, 1, 1f, maxPlanes, Q);

    private static readonly float[] Stimulus =
    [
        0.0f, 0.2f, 0.0f, 0.0f,
        0.0f, 0.0f, 0.9f, 0.0f,
        0.0f, 0.1f, 0.0f, 0.0f,
        0.0f, 0.0f, 0.0f, 0.3f,
    ];

    [Fact]
    public void SilentStimulusSeedsOnePlaneFromItsMostActiveWindow()
    {
        var learning = Learner();
        int seeded = learning.Present(Stimulus, [], Stimulus, 4, 4, area: 4);
        Assert.Equal(0, seeded);
        Assert.Equal(1, learning.Planes);
        // a = q·c·x at the largest V-cell (0.9), b = q·v.
        Assert.Equal(Q * 0.9f, learning.Weight(0)[0], 5);
        Assert.Equal(Q * 0.9f, learning.Inhibition(0), 5);
    }

    [Fact]
    public void OnlyOnePlaneIsSeededPerStimulusAndNoneFromFaintWindows()
    {
        var learning = Learner();
        // Four 2 × 2 areas, all silent: the seed comes from the area with the strongest window (0.9).
        Assert.Equal(0, learning.Present(Stimulus, [], Stimulus, 4, 4, area: 2));
        Assert.Equal(1, learning.Planes);
        // An area whose best window (0.3) is below the floor (0.5 of the largest, 0.9) seeds nothing.
        var other = Learner();
        other.Seed([1f], 1f);
        var bottomRightOnly = new float[16];
        bottomRightOnly[15] = 0.3f;
        bottomRightOnly[0] = 0.9f;
        var responses = new float[16];
        responses[0] = 1f; // top-left area answered by plane 0
        Assert.Equal(-1, other.Present(bottomRightOnly, responses, bottomRightOnly, 4, 4, area: 2, seedFloor: 0.5f));
        Assert.Equal(1, other.Planes);
    }

    [Fact]
    public void OnlyTheWinnerIsReinforcedAtItsStrongestCell()
    {
        var learning = Learner();
        learning.Seed([0.5f], 0.5f);
        learning.Seed([0.8f], 0.8f);
        var before0 = learning.Weight(0).ToArray();
        float b0 = learning.Inhibition(0);
        // One area: plane 1 has the strongest response (0.7 at cell 6), plane 0 answers less (0.4 at cell 1).
        var responses = new float[2 * 16];
        responses[1] = 0.4f;
        responses[16 + 6] = 0.7f;
        responses[16 + 15] = 0.2f;
        Assert.Equal(-1, learning.Present(Stimulus, responses, Stimulus, 4, 4, area: 4));
        Assert.Equal(2, learning.Planes);
        Assert.Equal(before0, learning.Weight(0).ToArray());
        Assert.Equal(b0, learning.Inhibition(0));
        // Δa = q·c·u_C(n̂) and Δb = q·v(n̂) at the winner's cell 6 (0.9).
        Assert.Equal(Q * 0.8f + Q * 0.9f, learning.Weight(1)[0], 4);
        Assert.Equal(Q * 0.8f + Q * 0.9f, learning.Inhibition(1), 4);
    }

    [Fact]
    public void EachPlaneLearnsOnceAtItsBestWinAcrossAreas()
    {
        var learning = Learner();
        learning.Seed([1f], 1f);
        // Plane 0 wins two areas (cells 1 and 15); it learns once, at the stronger (cell 15, 0.3 response 0.6).
        var responses = new float[16];
        responses[1] = 0.2f;
        responses[15] = 0.6f;
        learning.Present(Stimulus, responses, Stimulus, 4, 4, area: 2);
        Assert.Equal(Q + Q * 0.3f, learning.Weight(0)[0], 4);
    }

    [Fact]
    public void NoPlaneIsAddedBeyondTheCap()
    {
        var learning = Learner(maxPlanes: 1);
        learning.Seed([0.5f], 0.5f);
        var silent = new float[16];
        Assert.Equal(-1, learning.Present(Stimulus, silent, Stimulus, 4, 4, area: 4));
        Assert.Equal(1, learning.Planes);
        Assert.Throws<InvalidOperationException>(() => learning.Seed([0.5f], 0.5f));
    }

    [Fact]
    public void WindowsAreZeroPaddedLikeTheSLayer()
    {
        var learning = new CompetitiveLearning(2, 3, 1f, 4, Q);
        var input = Enumerable.Range(1, 2 * 4).Select(i => (float)i).ToArray(); // (2, 2, 2)
        var window = new float[18];
        learning.CopyWindow(input, 2, 2, 0, 0, window);
        Assert.Equal([0, 0, 0, 0, 1, 2, 0, 3, 4, 0, 0, 0, 0, 5, 6, 0, 7, 8], window);
    }

    [Fact]
    public void MismatchedSizesAreRejected()
    {
        var learning = Learner();
        Assert.Throws<ArgumentException>(() => learning.Present(Stimulus, new float[3], Stimulus, 4, 4, 4));
        Assert.Throws<ArgumentException>(() => learning.Present(Stimulus, [], new float[15], 4, 4, 4));
        Assert.Throws<ArgumentException>(() => learning.Reinforce(0, new float[2], 1f));
    }
}
