namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// The positions of an in-order sweep (instructions in layout order, or loops) that must be visited again
/// because something they read changed: a position scheduled while the sweep is before it is visited later
/// in the same pass, any other in the next pass.
/// </summary>
/// <remarks>
/// Strategy: this is what a sweep over every position, repeated until a pass changes nothing, would do,
/// minus the visits that cannot change anything. A visit that reads nothing new since its last visit
/// decides the same again, so only the positions whose inputs changed are kept, in the order and in the
/// pass in which the full sweep would first see the change. Results (and the reasons recorded for them,
/// which depend on the order of discovery) are therefore identical, and a pass costs what changed instead
/// of the size of the graph.
/// </remarks>
internal sealed class SweepSchedule
{
    private const byte InThisPass = 1;
    private const byte InNextPass = 2;

    // Shared by every schedule of one analysis, since only one pass runs at a time; empty between passes.
    private readonly PriorityQueue<int, int> thisPass;
    private readonly byte[] marks;
    // Allocated while positions wait, so that a graph whose analysis is done keeps only its marks.
    private List<int>? nextPass;
    private int cursor = -1;

    /// <summary>A schedule over positions 0..<paramref name="count"/>-1, none scheduled, passes ordered by <paramref name="queue"/>.</summary>
    public SweepSchedule(int count, PriorityQueue<int, int> queue)
    {
        marks = new byte[count];
        thisPass = queue;
    }

    /// <summary>True when some position waits for the next pass.</summary>
    public bool HasNextPass => nextPass is { Count: > 0 };

    /// <summary>Schedules every position for the next pass: the first sweep looks at everything.</summary>
    public void ScheduleAll()
    {
        for (int position = 0; position < marks.Length; position++) Schedule(position);
    }

    /// <summary>Visits <paramref name="position"/> again: later in this pass when the sweep has not reached it yet, else in the next.</summary>
    public void Schedule(int position)
    {
        if (cursor >= 0 && position > cursor)
        {
            if ((marks[position] & InThisPass) != 0) return;
            marks[position] |= InThisPass;
            thisPass.Enqueue(position, position);
        }
        else if ((marks[position] & InNextPass) == 0)
        {
            marks[position] |= InNextPass;
            (nextPass ??= []).Add(position);
        }
    }

    /// <summary>Runs one pass: visits, in increasing order, the positions scheduled for it, including those scheduled ahead of it meanwhile.</summary>
    public void RunPass(Action<int> visit)
    {
        if (thisPass.Count != 0) throw new InvalidOperationException("a pass started while another one runs");
        foreach (int position in nextPass ?? [])
        {
            marks[position] = InThisPass;
            thisPass.Enqueue(position, position);
        }
        nextPass = null;
        try
        {
            while (thisPass.TryDequeue(out int position, out _))
            {
                marks[position] &= unchecked((byte)~InThisPass);
                cursor = position;
                visit(position);
            }
        }
        finally
        {
            cursor = -1;
            thisPass.Clear();
        }
    }
}
