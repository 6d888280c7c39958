Console.WriteLine("TaskGroups sample: being written");
