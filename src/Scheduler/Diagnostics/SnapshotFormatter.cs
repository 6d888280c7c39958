using System.Globalization;
using System.Text;

namespace Scheduler;

/// <summary>
/// The text dump of a <see cref="LoopSnapshot"/>: a header, one line per task with task groups indented under
/// their owner, and the channels that hold items. Plain and stable (no padding, no colours, invariant numbers),
/// so it reads well in a log and a test can pin it.
/// </summary>
internal static class SnapshotFormatter
{
    private const string Indent = "  ";

    // Deep stacks (delegation can nest 100,000 routines) are shown as their outer and inner ends.
    private const int StackLimit = 8;
    private const int StackHead = 3;
    private const int StackTail = 4;

    public static string Format(LoopSnapshot snapshot, int maxTasks)
    {
        var text = new StringBuilder();
        text.Append("event loop '").Append(snapshot.LoopName).Append("' at ");
        LoopTimeFormat.Append(text, snapshot.Time).Append(": ").Append(snapshot.Statistics.ToString());

        var tree = new Tree(snapshot, text, maxTasks);
        tree.WriteAll();

        if (snapshot.Channels.Count > 0)
        {
            text.AppendLine().Append("channels with items:");
            foreach (ChannelSnapshot channel in snapshot.Channels)
            {
                text.AppendLine().Append(Indent).Append(FormatChannel(channel));
            }
        }

        return text.ToString();
    }

    public static string FormatTask(TaskSnapshot task) => AppendTask(new StringBuilder(), task).ToString();

    public static string FormatChannel(ChannelSnapshot channel)
    {
        var text = new StringBuilder();
        text.Append(channel.Description).Append(": ").Append(channel.Count.ToString(CultureInfo.InvariantCulture)).Append(" buffered");
        if (channel.HandedToReaders > 0)
        {
            text.Append(", ").Append(Count(channel.HandedToReaders, "handed to a reader", "handed to readers"));
        }

        if (channel.Capacity is int capacity)
        {
            text.Append(", capacity ").Append(capacity.ToString(CultureInfo.InvariantCulture));
        }

        if (channel.IsCompleted)
        {
            text.Append(", completed");
        }

        if (channel.WaitingWriters > 0)
        {
            text.Append(", ").Append(Count(channel.WaitingWriters, "writer waiting", "writers waiting"));
        }

        return text.ToString();
    }

    private static StringBuilder AppendTask(StringBuilder text, TaskSnapshot task)
    {
        text.Append(task.Description).Append(": ").Append(task.WaitingOn)
            .Append("; ").Append(Count(task.Steps, "step", "steps"))
            .Append(", age ");
        LoopTimeFormat.Append(text, task.Age);
        if (task.Stack.Count > 0)
        {
            text.Append("; in ");
            AppendStack(text, task.Stack);
        }

        return text;
    }

    private static void AppendStack(StringBuilder text, IReadOnlyList<string> stack)
    {
        if (stack.Count <= StackLimit)
        {
            text.AppendJoin(" > ", stack);
            return;
        }

        for (int i = 0; i < StackHead; i++)
        {
            text.Append(stack[i]).Append(" > ");
        }

        text.Append('(').Append((stack.Count - StackHead - StackTail).ToString("N0", CultureInfo.InvariantCulture)).Append(" more)");
        for (int i = stack.Count - StackTail; i < stack.Count; i++)
        {
            text.Append(" > ").Append(stack[i]);
        }
    }

    private static string Count(long count, string one, string many) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? one : many)}");

    /// <summary>Writes the tasks as a tree: a task, then each task group it owns with that group's live children.</summary>
    private sealed class Tree(LoopSnapshot snapshot, StringBuilder text, int maxTasks)
    {
        private readonly Dictionary<long, List<TaskSnapshot>> _childrenByParent = [];
        private readonly HashSet<long> _ids = [];
        private readonly HashSet<TaskGroup> _orphanGroupsWritten = [];
        private int _written;

        public void WriteAll()
        {
            foreach (TaskSnapshot task in snapshot.Tasks)
            {
                _ids.Add(task.Id);
            }

            foreach (TaskSnapshot task in snapshot.Tasks)
            {
                if (task.ParentId is long parent && _ids.Contains(parent))
                {
                    (_childrenByParent.TryGetValue(parent, out List<TaskSnapshot>? children)
                        ? children
                        : _childrenByParent[parent] = []).Add(task);
                }
            }

            foreach (TaskSnapshot task in snapshot.Tasks)
            {
                if (task.Group is null)
                {
                    WriteSubtree(task, depth: 0);
                }
                else if (!_ids.Contains(task.ParentId!.Value) && _orphanGroupsWritten.Add(task.Group))
                {
                    // The owner has ended (its children are being canceled): the group stands alone, named in full.
                    WriteGroup($"{task.Group}, whose owner has ended:", snapshot.Tasks.Where(t => t.Group == task.Group), depth: 0);
                }
            }

            if (_written < snapshot.Tasks.Count)
            {
                text.AppendLine().Append("... ").Append(Count(snapshot.Tasks.Count - _written, "more task", "more tasks"));
            }
        }

        private void WriteSubtree(TaskSnapshot task, int depth)
        {
            if (_written >= maxTasks)
            {
                return;
            }

            text.AppendLine();
            for (int i = 0; i < depth; i++)
            {
                text.Append(Indent);
            }

            AppendTask(text, task);
            _written++;
            if (!_childrenByParent.TryGetValue(task.Id, out List<TaskSnapshot>? children))
            {
                return;
            }

            // One header per group, groups in the order of their first live child.
            foreach (TaskGroup group in children.Select(c => c.Group!).Distinct())
            {
                string header = group.Name is null ? "task group:" : $"task group '{group.Name}':";
                WriteGroup(header, children.Where(c => c.Group == group), depth + 1);
            }
        }

        private void WriteGroup(string header, IEnumerable<TaskSnapshot> members, int depth)
        {
            if (_written >= maxTasks)
            {
                return;
            }

            text.AppendLine();
            for (int i = 0; i < depth; i++)
            {
                text.Append(Indent);
            }

            text.Append(header);
            foreach (TaskSnapshot member in members)
            {
                WriteSubtree(member, depth + 1);
            }
        }
    }
}
