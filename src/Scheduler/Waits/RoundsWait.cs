namespace Scheduler;

/// <summary>
/// Waits a number of rounds: yielded in round r, the coroutine runs again in round r + n. One round
/// (<see cref="Wait.NextTick"/>, <c>Wait.Ticks(1)</c>, <c>yield return null</c>) is a plain requeue; longer waits
/// sit in the loop's round heap, ordered by (round, order set), and fire in phase (b) of their round.
/// </summary>
internal sealed class RoundsWait : WaitCondition
{
    public static readonly RoundsWait NextRound = new(1);

    public RoundsWait(int rounds) => Rounds = rounds;

    public int Rounds { get; }

    internal override bool Apply(EventLoop loop, Coroutine coroutine)
    {
        if (Rounds == 1)
        {
            loop.MakeReady(coroutine);
            return true;
        }

        return base.Apply(loop, coroutine);
    }

    internal override void Park(EventLoop loop, IWaiter waiter) => loop.ParkRounds(waiter, Rounds);

    public override string ToString() => Rounds == 1 ? "Wait.NextTick" : $"Wait.Ticks({Rounds})";
}
