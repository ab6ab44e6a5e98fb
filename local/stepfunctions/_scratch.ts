import { StateMachine } from 'aws-local-stepfunctions';
const def = {
  StartAt: 'M',
  States: {
    M: { Type: 'Map', ItemsPath: '$.items', ItemSelector: { 'v.$': '$$.Map.Item.Value', 'i.$': '$$.Map.Item.Index' },
      ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'arn:aws:lambda:eu-west-2:123456789012:function:F', Payload: { 'tok.$': '$$.Task.Token', 'tok2.$': '$$.Task.Token', 'v.$': '$.v', 'i.$': '$.i', 'ex.$': '$$.Execution.Id' } }, End: true } } }, End: true },
  },
};
let n = 0;
const sm = new StateMachine(def as never);
const task = { get Token() { return `tok-${++n}`; } };
const r = sm.run({ items: ['a', 'b', 'c'] }, { context: { Task: task, Execution: { Id: 'exec-1' } } as never, overrides: { taskResourceLocalHandlers: { T: async (input) => input } } });
console.log(JSON.stringify(await r.result));
