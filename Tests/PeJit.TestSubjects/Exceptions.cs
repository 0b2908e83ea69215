namespace PeJit.TestSubjects;

/// <summary>throw, rethrow, catch, finally, filters, using, foreach, return from try, exceptions in loops.</summary>
public static class Exceptions
{
    [Sample(0)] [Sample(5)]
    public static string CatchAndFinally(int x)
    {
        string log = "";
        try
        {
            log += "try;";
            log += (10 / x) + ";";
        }
        catch (DivideByZeroException)
        {
            log += "caught;";
        }
        finally
        {
            log += "finally;";
        }
        return log;
    }

    [Sample(1)] [Sample(2)] [Sample(3)]
    public static string Filters(int code)
    {
        try
        {
            throw new CustomException("failure", code);
        }
        catch (CustomException e) when (e.Code == 1)
        {
            return "one:" + e.Message;
        }
        catch (CustomException e) when (e.Code == 2)
        {
            return "two:" + e.Code;
        }
        catch (Exception e)
        {
            return "other:" + e.GetType().Name;
        }
    }

    [Sample(true)] [Sample(false)]
    public static string Rethrow(bool fail)
    {
        try
        {
            try
            {
                if (fail) throw new InvalidOperationException("inner");
                return "fine";
            }
            catch (InvalidOperationException)
            {
                throw;
            }
            finally
            {
                Log.Add("inner finally");
            }
        }
        catch (Exception e)
        {
            return "outer:" + e.Message;
        }
    }

    [Sample(3)]
    public static string UsingAndForeach(int n)
    {
        Log.Entries.Clear();
        var counter = new Counter();
        using (counter)
        {
            for (int i = 0; i < n; i++) counter.Next();
        }
        using (var token = new Token("t"))
        {
            Log.Add("use " + token.Text);
        }
        int sum = 0;
        foreach (var value in new List<int> { 1, 2, 3 }) sum += value;
        foreach (var value in (IEnumerable<int>)[4, 5]) sum += value;
        return $"{counter.Value}{counter.Disposed}{sum}" + string.Join("|", Log.Entries);
    }

    [Sample(4)]
    public static int LoopWithTry(int n)
    {
        int caught = 0;
        for (int i = -n; i <= n; i++)
        {
            try
            {
                caught += 12 / i;
            }
            catch (DivideByZeroException)
            {
                caught += 1000;
            }
        }
        return caught;
    }

    [Sample(0)] [Sample(1)]
    public static string Uncaught(int x) => x == 0 ? throw new CustomException("no zero", 0) : "ok";

    [Sample(2)] [Sample(-2)]
    public static int ReturnFromTry(int x)
    {
        int state = 0;
        try
        {
            state = 1;
            if (x > 0) return state + x;
            state = 2;
        }
        finally
        {
            state += 10;
        }
        return state;
    }
}
