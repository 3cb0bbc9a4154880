"""A handler for aiosmtpd that records what it receives, for the tests.

    /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtpsink.Recorder OUT.jsonl

(with tests/lib on PYTHONPATH).  Every accepted message is appended to
OUT.jsonl as one JSON line {"mail_from", "rcpt_tos", "data"}, data being the
message as received (CRLF line ends, headers included).

A recipient's local part chooses the answer, so that a test can provoke
each outcome a sender must handle:
    reject-...@   550 5.1.1 at RCPT: a permanent failure
    tempfail-...@ 451 4.3.0 at RCPT: a temporary one
Anything else is accepted.
"""
import json


class Recorder:
    def __init__(self, path):
        self.path = path

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error('smtpsink.Recorder takes one argument: the output file')
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split('@', 1)[0].lower()
        if local.startswith('reject-'):
            return '550 5.1.1 <%s>: Recipient address rejected: no such mailbox' % address
        if local.startswith('tempfail-'):
            return '451 4.3.0 <%s>: Temporary failure, try again later' % address
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, bytes):
            data = data.decode('utf-8', 'surrogateescape')
        line = json.dumps({'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos, 'data': data},
                          ensure_ascii=False)
        with open(self.path, 'a', encoding='utf-8', errors='surrogateescape') as f:
            f.write(line + '\n')
        return '250 Message accepted for delivery'
