// Jitsi Meet configuration (stand-in @VERSION@ of the packaged template).
var subdir = '<!--# echo var="subdir" default="" -->';
var subdomain = '<!--# echo var="subdomain" default="" -->';
if (subdomain) {
    subdomain = subdomain.substring(0, subdomain.length - 1).split('.').join('_').toLowerCase() + '.';
}

var config = {
    hosts: {
        domain: 'jitsi-meet.example.com',
        muc: 'conference.' + subdomain + 'jitsi-meet.example.com'
    },
    bosh: 'https://jitsi-meet.example.com/' + subdir + 'http-bind',
    websocket: 'wss://jitsi-meet.example.com/' + subdir + 'xmpp-websocket',
    p2p: { enabled: true },
    prejoinConfig: { enabled: true },
    packageVersion: '@VERSION@'
};
