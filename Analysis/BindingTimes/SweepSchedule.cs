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
    private readonly PriorityQueue<int, int> thisPass = new();
    private readonly bool[] inThisPass;
    private readonly bool[] inNextPass;
    private readonly List<int> nextPass = [];
    private int cursor = -1;

    /// <summary>A schedule over positions 0..<paramref name="count"/>-1, none scheduled.</summary>
    public SweepSchedule(int count)
    {
        inThisPass = new bool[count];
        inNextPass = new bool[count];
    }

    /// <summary>True when some position waits for the next pass.</summary>
    public bool HasNextPass => nextPass.Count > 0;

    /// <summary>Schedules every position for the next pass: the first sweep looks at everything.</summary>
    public void ScheduleAll()
    {
        for (int position = 0; position < inNextPass.Length; position++) Schedule(position);
    }

    /// <summary>Visits <paramref name="position"/> again: later in this pass when the sweep has not reached it yet, else in the next.</summary>
    public void Schedule(int position)
    {
        if (cursor >= 0 && position > cursor)
        {
            if (inThisPass[position]) return;
            inThisPass[position] = true;
            thisPass.Enqueue(position, position);
        }
        else if (!inNextPass[position])
        {
            inNextPass[position] = true;
            nextPass.Add(position);
        }
    }

    /// <summary>Runs one pass: visits, in increasing order, the positions scheduled for it, including those scheduled ahead of it meanwhile.</summary>
    public void RunPass(Action<int> visit)
    {
        foreach (int position in nextPass)
        {
            inNextPass[position] = false;
            inThisPass[position] = true;
            thisPass.Enqueue(position, position);
        }
        nextPass.Clear();
        try
        {
            while (thisPass.TryDequeue(out int position, out _))
            {
                inThisPass[position] = false;
                cursor = position;
                visit(position);
            }
        }
        finally
        {
            cursor = -1;
        }
    }
}
