#!/usr/bin/env python3
"""Normalises `fsimg journal --json` on XFS to the lines norm.awk makes of
`xfs_logprint -t`: "T cycle block tid th_items" per transaction (the LSN
of the record holding its commit, where logprint prints it), then per
item "B daddr len flags" (buffers), "I ino fields dsize" (inodes),
"C ag agbno len count isize gen" (icreate), the item's name alone for the
others (quotaoff as logprint's "qoff"); numbers in hex where logprint
prints hex. With --ends: "tail head STATE" from the log record instead."""
import json
import sys

ends = len(sys.argv) > 1 and sys.argv[1] == '--ends'
for line in sys.stdin:
    r = json.loads(line)
    if r['record'] == 'log':
        if ends:
            print(r['tail_block'], r['head_block'], 'DIRTY' if r['needs_recovery'] else 'CLEAN')
        continue
    if r['record'] != 'transaction' or ends:
        continue
    # logprint prints a transaction when its commit is read: under the commit's record
    print('T', r['commit_cycle'], r['commit_block'], '%x' % r['tid'], r['th_num_items'])
    for it in r['items']:
        t = it['type']
        if t == 'buf':
            print('B', '%x' % it['daddr'], it['bblen'], '%x' % it['flags'])
        elif t == 'inode':
            print('I', '%x' % it['inode'], '%x' % it['fields'], it['dsize'])
        elif t == 'icreate':
            print('C', it['agno'], '%x' % it['agbno'], it['length'], it['count'], it['isize'],
                  '%x' % it['gen'])
        elif t == 'quotaoff':
            print('qoff')
        else:
            print(t)
